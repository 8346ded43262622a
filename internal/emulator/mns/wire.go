package mns

import "encoding/xml"

// Namespace is the XML namespace of every body the service answers with.
// Requests may carry it or not (the Go SDK sends none); both are accepted.
const Namespace = "http://mns.aliyuncs.com/doc/v1/"

// Requests. Numbers are decoded as strings so that a non-number is an
// InvalidArgument rather than an XML error, and pointers tell an absent
// element (service default) from an empty one.

type sendRequest struct {
	XMLName      xml.Name `xml:"Message"`
	MessageBody  *string  `xml:"MessageBody"`
	DelaySeconds *string  `xml:"DelaySeconds"`
	Priority     *string  `xml:"Priority"`
}

type batchSendRequest struct {
	XMLName  xml.Name      `xml:"Messages"`
	Messages []sendRequest `xml:"Message"`
}

type receiptHandlesRequest struct {
	XMLName xml.Name `xml:"ReceiptHandles"`
	Handles []string `xml:"ReceiptHandle"`
}

type publishRequest struct {
	XMLName           xml.Name  `xml:"Message"`
	MessageBody       *string   `xml:"MessageBody"`
	MessageTag        *string   `xml:"MessageTag"`
	MessageAttributes *innerXML `xml:"MessageAttributes"`
}

// innerXML keeps an element's content as written (MessageAttributes is kept
// for tests to inspect, not interpreted).
type innerXML struct {
	Inner string `xml:",innerxml"`
}

type queueRequest struct {
	XMLName                xml.Name `xml:"Queue"`
	DelaySeconds           *string  `xml:"DelaySeconds"`
	MaximumMessageSize     *string  `xml:"MaximumMessageSize"`
	MessageRetentionPeriod *string  `xml:"MessageRetentionPeriod"`
	VisibilityTimeout      *string  `xml:"VisibilityTimeout"`
	PollingWaitSeconds     *string  `xml:"PollingWaitSeconds"`
	LoggingEnabled         *string  `xml:"LoggingEnabled"`
}

type topicRequest struct {
	XMLName            xml.Name `xml:"Topic"`
	MaximumMessageSize *string  `xml:"MaximumMessageSize"`
	LoggingEnabled     *string  `xml:"LoggingEnabled"`
}

// Responses. Every root carries the service namespace; times are
// milliseconds since the epoch for messages and seconds for queue and topic
// attributes, as the service sends them.

type errorResponse struct {
	XMLName   xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

type sendResponse struct {
	XMLName        xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Message"`
	MessageID      string   `xml:"MessageId"`
	MessageBodyMD5 string   `xml:"MessageBodyMD5"`
}

// batchSendEntry is one message's result: an id and digest, or an error.
type batchSendEntry struct {
	ErrorCode      string `xml:"ErrorCode,omitempty"`
	ErrorMessage   string `xml:"ErrorMessage,omitempty"`
	MessageID      string `xml:"MessageId,omitempty"`
	MessageBodyMD5 string `xml:"MessageBodyMD5,omitempty"`
}

type batchSendResponse struct {
	XMLName  xml.Name         `xml:"http://mns.aliyuncs.com/doc/v1/ Messages"`
	Messages []batchSendEntry `xml:"Message"`
}

// receivedMessage is a received or peeked message; a peek has no
// ReceiptHandle and no NextVisibleTime.
type receivedMessage struct {
	MessageID        string `xml:"MessageId"`
	ReceiptHandle    string `xml:"ReceiptHandle,omitempty"`
	MessageBodyMD5   string `xml:"MessageBodyMD5"`
	MessageBody      string `xml:"MessageBody"`
	EnqueueTime      int64  `xml:"EnqueueTime"`
	NextVisibleTime  int64  `xml:"NextVisibleTime,omitempty"`
	FirstDequeueTime int64  `xml:"FirstDequeueTime"`
	DequeueCount     int    `xml:"DequeueCount"`
	Priority         int    `xml:"Priority"`
}

type receiveResponse struct {
	XMLName xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Message"`
	receivedMessage
}

type batchReceiveResponse struct {
	XMLName  xml.Name          `xml:"http://mns.aliyuncs.com/doc/v1/ Messages"`
	Messages []receivedMessage `xml:"Message"`
}

type deleteError struct {
	ErrorCode     string `xml:"ErrorCode"`
	ErrorMessage  string `xml:"ErrorMessage"`
	ReceiptHandle string `xml:"ReceiptHandle"`
}

type batchDeleteResponse struct {
	XMLName xml.Name      `xml:"http://mns.aliyuncs.com/doc/v1/ Errors"`
	Errors  []deleteError `xml:"Error"`
}

type changeVisibilityResponse struct {
	XMLName         xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ ChangeVisibility"`
	ReceiptHandle   string   `xml:"ReceiptHandle"`
	NextVisibleTime int64    `xml:"NextVisibleTime"`
}

type queueAttributes struct {
	QueueName              string `xml:"QueueName"`
	CreateTime             int64  `xml:"CreateTime"`
	LastModifyTime         int64  `xml:"LastModifyTime"`
	DelaySeconds           int    `xml:"DelaySeconds"`
	MaximumMessageSize     int    `xml:"MaximumMessageSize"`
	MessageRetentionPeriod int    `xml:"MessageRetentionPeriod"`
	VisibilityTimeout      int    `xml:"VisibilityTimeout"`
	PollingWaitSeconds     int    `xml:"PollingWaitSeconds"`
	ActiveMessages         int    `xml:"ActiveMessages"`
	InactiveMessages       int    `xml:"InactiveMessages"`
	DelayMessages          int    `xml:"DelayMessages"`
	LoggingEnabled         bool   `xml:"LoggingEnabled"`
}

type queueResponse struct {
	XMLName xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Queue"`
	queueAttributes
}

type topicAttributes struct {
	TopicName              string `xml:"TopicName"`
	CreateTime             int64  `xml:"CreateTime"`
	LastModifyTime         int64  `xml:"LastModifyTime"`
	MaximumMessageSize     int    `xml:"MaximumMessageSize"`
	MessageRetentionPeriod int    `xml:"MessageRetentionPeriod"`
	MessageCount           int    `xml:"MessageCount"`
	LoggingEnabled         bool   `xml:"LoggingEnabled"`
}

type topicResponse struct {
	XMLName xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Topic"`
	topicAttributes
}

// Listings: URLs only, or full attributes with x-mns-with-meta: true.

type queueURL struct {
	QueueURL string `xml:"QueueURL"`
}

type listQueuesResponse struct {
	XMLName    xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Queues"`
	Queues     []any    `xml:"Queue"`
	NextMarker string   `xml:"NextMarker,omitempty"`
}

type topicURL struct {
	TopicURL string `xml:"TopicURL"`
}

type listTopicsResponse struct {
	XMLName    xml.Name `xml:"http://mns.aliyuncs.com/doc/v1/ Topics"`
	Topics     []any    `xml:"Topic"`
	NextMarker string   `xml:"NextMarker,omitempty"`
}
