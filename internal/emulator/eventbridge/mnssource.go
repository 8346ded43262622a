// Package eventbridge emulates the one EventBridge feature the function is
// deployed with besides ActionTrail rules: an MNS queue as event source.
// Like the service, it receives messages from the queue through the MNS API,
// delivers them to the function as a JSON array of CloudEvents, and deletes
// them only once the function succeeded; a failed delivery is left to
// reappear after the queue's visibility timeout.
package eventbridge

import (
	"encoding/json"
	"fmt"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
)

// MNSSource reads one queue the way an EventBridge MNS source does.
type MNSSource struct {
	Queue     ali_mns.AliMNSQueue
	QueueName string
	AccountID string
	Region    string
	// BatchSize is the batch window's message count, 1..16 (default 16).
	BatchSize int
}

// event is one CloudEvent as EventBridge delivers an MNS message.
type event struct {
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	SpecVersion     string    `json:"specversion"`
	Type            string    `json:"type"`
	DataContentType string    `json:"datacontenttype"`
	Subject         string    `json:"subject"`
	Time            string    `json:"time"`
	AccountID       string    `json:"aliyunaccountid"`
	RegionID        string    `json:"aliyunregionid"`
	EventBusName    string    `json:"aliyuneventbusname"`
	Data            eventData `json:"data"`
}

type eventData struct {
	RequestID   string `json:"requestId"`
	MessageID   string `json:"messageId"`
	MessageBody string `json:"messageBody"`
}

// Batch is one delivery: the payload for the function and how to
// acknowledge it.
type Batch struct {
	Payload []byte
	Count   int
	handles []string
}

// Receive takes up to BatchSize visible messages. It returns a nil Batch
// when the queue has none visible.
func (s *MNSSource) Receive() (*Batch, error) {
	n := s.BatchSize
	if n < 1 || n > 16 {
		n = 16
	}
	resps := make(chan ali_mns.BatchMessageReceiveResponse, 1)
	errs := make(chan error, 1)
	// No waitseconds: a short poll, so an empty queue answers at once.
	s.Queue.BatchReceiveMessage(resps, errs, int32(n))
	var resp ali_mns.BatchMessageReceiveResponse
	select {
	case resp = <-resps:
	case err := <-errs:
		if ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
			return nil, nil
		}
		return nil, err
	}
	b := &Batch{Count: len(resp.Messages)}
	msgs := make([]Message, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		b.handles = append(b.handles, m.ReceiptHandle)
		msgs = append(msgs, Message{
			ID: m.MessageId, Body: m.MessageBody, RequestID: resp.RequestId,
			DequeueCount: m.DequeueCount, EnqueueTime: time.UnixMilli(m.EnqueueTime),
		})
	}
	var err error
	b.Payload, err = Encode(s.QueueName, s.AccountID, s.Region, msgs)
	return b, err
}

// Message is one MNS message as the source hands it to the function.
type Message struct {
	ID, Body, RequestID string
	DequeueCount        int64
	EnqueueTime         time.Time
}

// Encode renders messages of a queue as the payload EventBridge delivers:
// a JSON array of CloudEvents. Each delivery gets an event id of its own (the
// message id and its dequeue count); the message id stays the same.
func Encode(queue, accountID, region string, msgs []Message) ([]byte, error) {
	events := make([]event, 0, len(msgs))
	for _, m := range msgs {
		events = append(events, event{
			ID:              fmt.Sprintf("%s-%d", m.ID, max(m.DequeueCount, 1)),
			Source:          "MNS-" + queue,
			SpecVersion:     "1.0",
			Type:            "mns:Queue:SendMessage",
			DataContentType: "application/json; charset=utf-8",
			Subject:         fmt.Sprintf("acs:mns:%s:%s:queues/%s", region, accountID, queue),
			Time:            m.EnqueueTime.UTC().Format(time.RFC3339),
			AccountID:       accountID,
			RegionID:        region,
			EventBusName:    "MNS-" + queue,
			Data:            eventData{RequestID: m.RequestID, MessageID: m.ID, MessageBody: m.Body},
		})
	}
	return json.Marshal(events)
}

// Ack deletes a delivered batch's messages: the function succeeded.
func (s *MNSSource) Ack(b *Batch) error {
	if b == nil || len(b.handles) == 0 {
		return nil
	}
	_, err := s.Queue.BatchDeleteMessage(b.handles...)
	if err != nil {
		return fmt.Errorf("eventbridge: delete %d messages: %w", len(b.handles), err)
	}
	return nil
}
