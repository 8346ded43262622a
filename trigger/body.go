package trigger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// withRequest parses body, a message body or direct payload, as the item's
// request. An item with no SourceID yet (its payload has no message id) gets
// the content hash of the canonical request, so that a re-delivery, however
// formatted, yields the same outcomeId, and two different requests never
// share one. An invalid body is left to Decode's fallback, the hash of the raw
// payload element.
func withRequest(it Item, body []byte) Item {
	r, err := request.Parse(body)
	if err != nil {
		e, ok := errors.AsType[*outcome.Error](err)
		if !ok { // Parse promises *outcome.Error; stay well-formed regardless
			e = &outcome.Error{Code: outcome.InvalidRequest, Message: err.Error(), Err: err}
		}
		c := *e // the message may be extended with a hint: do not share it
		it.Err = &c
		it.CorrelationID = correlationOf(body)
		return it
	}
	it.Request = &r
	it.CorrelationID = r.CorrelationID
	if it.SourceID == "" {
		canonical, _ := request.Marshal(r) // r is valid, so Marshal cannot fail
		it.SourceID = contentID(canonical)
	}
	return it
}

// correlationOf digs correlationId out of a body that failed to parse, if it
// is there and printable, so the InvalidRequest outcome still carries it and
// the sender can match it.
func correlationOf(body []byte) string {
	var probe struct {
		CorrelationID json.RawMessage `json:"correlationId"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return ""
	}
	var c string
	if json.Unmarshal(probe.CorrelationID, &c) != nil || len(c) > request.MaxCorrelationIDBytes || !request.Printable(c) {
		return ""
	}
	return c
}

// addBase64Hint explains an InvalidRequest whose body is base64 of a JSON
// object: the sender encoded it and nothing decoded it. remedy says what to
// change.
func addBase64Hint(it Item, body []byte, remedy string) Item {
	if it.Err == nil {
		return it
	}
	if decoded, err := decodeBase64(body); err == nil && len(decoded) > 0 && decoded[0] == '{' {
		it.Err.Message += " (the body looks base64-encoded: " + remedy + ")"
	}
	return it
}

// decodeBase64 decodes an MNS message body: standard base64, padded or not;
// line breaks are ignored.
func decodeBase64(body []byte) ([]byte, error) {
	s := strings.TrimRight(string(bytes.TrimSpace(body)), "=")
	return base64.RawStdEncoding.DecodeString(s)
}
