package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/imageshare/ecs-image-share/outcome"
)

// Decode turns one invocation payload into items, one per message or event.
// It never fails and never panics: a payload it cannot use becomes an item
// with an InvalidEvent (or InvalidRequest) error, and an event it deliberately
// skips becomes an item with Ignore set. It always returns at least one item,
// and decoding the same payload twice gives the same items.
//
// The source is told by the payload's shape (details in docs/triggers.md):
//
//	[...]                                   a batch: each element decoded on its own
//	{"specversion", "type": "…:ActionTrail:ApiCall", "data"}  ActionTrail API call via EventBridge
//	{"specversion", "type": "mns:Queue:SendMessage", "data"}  MNS queue message via EventBridge
//	{"TopicOwner", "Message", "MessageId", …}   MNS topic trigger, JSON format
//	{"body", "attrs"}                       MNS topic trigger, STREAM format with attributes
//	{"triggerTime", "triggerName", "payload"}   timer
//	{"eventId", "eventName", …}             an ActionTrail record without envelope
//	{"action", …}                           a request: direct, or topic STREAM (Options.TopicStream)
func Decode(payload []byte, opt Options) []Item {
	if len(payload) > MaxPayload {
		return []Item{invalidEvent(Item{Trigger: Trigger{Type: Direct}, SourceID: contentID(payload)},
			"payload is %d bytes; Function Compute delivers at most %d", len(payload), MaxPayload)}
	}
	// A leading byte order mark is not part of the JSON (request.Parse and
	// the policy loader skip it too).
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(payload, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return []Item{invalidEvent(Item{Trigger: Trigger{Type: Direct}, SourceID: contentID(nil)}, "payload is empty")}
	}
	if trimmed[0] == '[' {
		if items, ok := decodeBatch(trimmed, opt); ok {
			return items
		}
	}
	return []Item{finish(decodeTop(trimmed, opt), trimmed)}
}

// decodeBatch decodes a JSON array element by element, reading no further
// than MaxItems elements: one more element means the batch did not come
// from a trigger, and what is left becomes one InvalidEvent item, unread.
// Streaming keeps the cost at the elements read: unmarshalling the whole
// array first held every element at once (a 30 MB array of zeros took 15
// million items and about 7 GB). It reports false when the array is not
// valid JSON up to where it stopped; the caller then reports the payload.
func decodeBatch(payload []byte, opt Options) ([]Item, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, false
	}
	var items []Item
	for dec.More() {
		if len(items) == MaxItems {
			rest := invalidEvent(Item{Trigger: Trigger{Type: Direct}, SourceID: contentID(payload)},
				"the batch holds more than %d events or messages, the most a Function Compute trigger delivers in one invocation (batch push: 1 to %d): the first %d were handled, the rest was not read",
				MaxItems, MaxItems, MaxItems)
			return append(items, rest), true
		}
		var e json.RawMessage
		if err := dec.Decode(&e); err != nil {
			return nil, false
		}
		items = append(items, finish(decodeElement(len(items), e, opt), e))
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF { // nothing after it
		return nil, false
	}
	if len(items) == 0 {
		return []Item{invalidEvent(Item{Trigger: Trigger{Type: Direct}, SourceID: rawID(payload)}, "payload is an empty JSON array: no events")}, true
	}
	return items, true
}

// finish gives an item that has no SourceID the content hash of its raw
// payload element, so every item has a deterministic one.
func finish(it Item, raw []byte) Item {
	if it.SourceID == "" {
		it.SourceID = rawID(raw)
	}
	return it
}

// invalidEvent returns it with an InvalidEvent error.
func invalidEvent(it Item, format string, args ...any) Item {
	it.Err = outcome.Errorf(outcome.InvalidEvent, format, args...)
	return it
}

// decodeTop decodes a payload that is not a batch.
func decodeTop(payload []byte, opt Options) Item {
	if o, ok := jsonObject(payload); ok {
		return decodeObject(o, payload, opt)
	}
	if opt.TopicStream {
		return decodeDirect(payload, opt) // a STREAM body that is not JSON: InvalidRequest
	}
	var v any
	if err := json.Unmarshal(payload, &v); err != nil {
		return invalidEvent(Item{Trigger: Trigger{Type: Direct}}, "payload is not JSON: %v", err)
	}
	return invalidEvent(Item{Trigger: Trigger{Type: Direct}}, "payload is a JSON %s; want an event object, a request object, or an array of them", kind(v))
}

// decodeElement decodes the i-th (0-based) element of a batch.
func decodeElement(i int, raw json.RawMessage, opt Options) Item {
	o, ok := jsonObject(raw)
	if !ok {
		var v any
		_ = json.Unmarshal(raw, &v) // raw is valid JSON: it came out of an array
		return invalidEvent(Item{Trigger: Trigger{Type: Direct}}, "batch element %d is a JSON %s, not an event or request object", i, kind(v))
	}
	return decodeObject(o, raw, opt)
}

// jsonObject decodes raw if it is a JSON object (and not a string holding
// one: at the top level that would be a STREAM body or garbage, not an event).
func jsonObject(raw []byte) (object, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	return parseObject(raw)
}

// decodeObject tells the source of one JSON object by its keys.
func decodeObject(o object, raw []byte, opt Options) Item {
	switch {
	case isCloudEvent(o):
		return decodeCloudEvent(o, opt)
	case o.has("triggerTime") && o.has("triggerName"):
		return decodeTimer(o)
	case o.has("Message") && (o.has("MessageId") || o.has("TopicName") || o.has("TopicOwner")):
		return decodeTopicJSON(o)
	case isStreamEnvelope(o):
		return decodeTopicStream(o)
	case o.has("eventName") && (o.has("eventId") || o.has("serviceName") || o.has("acsRegion")):
		return decodeActionTrailRecord(Item{Trigger: Trigger{Type: ActionTrail}}, o, "")
	case opt.TopicStream || slices.ContainsFunc(requestKeys, o.has):
		return decodeDirect(raw, opt)
	}
	return invalidEvent(Item{Trigger: Trigger{Type: Direct}},
		"unrecognised payload (keys %s): not an ActionTrail or MNS queue CloudEvent, an MNS topic notification, a timer event or a request",
		keyList(o))
}

// keyList names an object's keys for a message: sorted, quoted, at most eight.
func keyList(o object) string {
	const most = 8
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i == most {
			fmt.Fprintf(&b, ", and %d more", len(keys)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteID(k))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// kind names a decoded JSON value's type for a message.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// quoteID renders an id or key from a payload for a message: quoted, and cut
// short so a hostile payload cannot blow up a log line or an outcome.
func quoteID(s string) string {
	const most = 64
	if s == "" {
		return "(none)"
	}
	if len(s) > most {
		cut := most
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
