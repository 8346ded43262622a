package trigger

import (
	"bytes"
	"encoding/json"

	"github.com/imageshare/ecs-image-share/outcome"
)

// decodeMNSQueue reads one MNS queue message delivered by EventBridge (type
// mns:Queue:SendMessage, data {requestId, messageId, messageBody}). The SDK's
// events.MnsQueueEvent is not used: this package reads envelopes liberally.
//
// The body is a request: plain JSON, or base64 when opt.Base64Body says the
// trigger does not decode bodies (IsBase64Decode=false). SourceID is the MNS
// MessageId, which a redelivery of the message keeps (EventBridge's event id
// does not), falling back to the event id.
func decodeMNSQueue(ev cloudEvent, opt Options) Item {
	it := Item{Trigger: Trigger{Type: MNSQueue, EventID: ev.ID}, SourceID: ev.ID}
	data, ok := parseObject(ev.Data)
	if !ok {
		return invalidEvent(it, "MNS queue event %s has no data object", quoteID(ev.ID))
	}
	it.SourceID = first(data.str("messageId"), ev.ID)
	raw, _ := data.get("messageBody")
	body, ok := messageBody(raw)
	if !ok {
		return invalidEvent(it, "MNS queue event %s has no data.messageBody string", quoteID(ev.ID))
	}

	if !opt.Base64Body {
		return addBase64Hint(withRequest(it, body), body, "set IsBase64Decode to true on the trigger, or Options.Base64Body")
	}
	decoded, err := decodeBase64(body)
	if err != nil {
		why := "it is not base64: " + err.Error()
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
			why = "it is plain JSON: the trigger already decodes bodies (IsBase64Decode=true), so unset Options.Base64Body"
		}
		it.Err = outcome.Errorf(outcome.InvalidRequest, "message body is not a base64-encoded request (Options.Base64Body is set): %s", why)
		it.CorrelationID = correlationOf(body)
		return it
	}
	return withRequest(it, decoded)
}

// messageBody returns the text of an MNS message body: a JSON string's
// contents, or an object's JSON as is (liberal: a body some delivery path has
// already parsed).
func messageBody(v json.RawMessage) ([]byte, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, false
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, false
		}
		return []byte(s), true
	case '{':
		return v, true
	}
	return nil, false
}
