package trigger

import "strings"

// decodeTopicJSON reads an MNS topic notification in JSON format:
//
//	{"TopicOwner", "Message", "Subscriber", "PublishTime": <epoch ms>,
//	 "SubscriptionName", "MessageMD5", "TopicName", "MessageId", <attributes>...}
//
// Message is the request. Attributes and PublishTime are not needed (the
// SDK's events.MnsTopicEvent types PublishTime as a time.Time and fails on the
// epoch milliseconds the service sends, which is why it is not used).
// SourceID is the MessageId.
func decodeTopicJSON(o object) Item {
	id := o.str("MessageId")
	it := Item{Trigger: Trigger{Type: MNSTopic, EventID: id}, SourceID: id}
	raw, _ := o.get("Message")
	body, ok := messageBody(raw)
	if !ok {
		return invalidEvent(it, "MNS topic notification %s has no Message string", quoteID(id))
	}
	return addBase64Hint(withRequest(it, body), body, "publish topic messages as plain JSON")
}

// isStreamEnvelope reports whether o is a STREAM-format topic delivery with
// attributes: {"body": "...", "attrs": {...}}, and nothing else.
func isStreamEnvelope(o object) bool {
	if !o.has("body") {
		return false
	}
	for k := range o {
		if !strings.EqualFold(k, "body") && !strings.EqualFold(k, "attrs") {
			return false
		}
	}
	return true
}

// decodeTopicStream reads a STREAM-format topic delivery with attributes. It
// carries no message id, so SourceID is the content hash of the request.
func decodeTopicStream(o object) Item {
	it := Item{Trigger: Trigger{Type: MNSTopic}}
	raw, _ := o.get("body")
	body, ok := messageBody(raw)
	if !ok {
		return invalidEvent(it, "MNS topic STREAM delivery has no body string")
	}
	return addBase64Hint(withRequest(it, body), body, "publish topic messages as plain JSON")
}
