package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	suggestpkg "github.com/imageshare/ecs-image-share/internal/suggest"
)

// fields are the request's JSON keys, in the order messages list them.
// imageId is the one-image spelling of imageIds.
var fields = []string{"action", "regionId", "imageIds", "imageId", "accounts", "dryRun", "correlationId", "attempt", "origin", "sweep", "seal"}

// utf8BOM is U+FEFF encoded in UTF-8.
var utf8BOM = []byte("\xef\xbb\xbf")

// Parse reads one request from body and validates it (see Validate).
//
// Beyond Validate's rules it refuses: bodies over MaxBodyBytes, invalid
// UTF-8, anything but one JSON object (trailing data included), unknown keys
// (matched exactly: "Action" is not "action"), repeated keys, values of the
// wrong type, and an explicit attempt below 1. null counts as absent.
//
// imageId and imageIds may both be given: the image ids are merged, imageIds
// first, and repeats dropped, so Request.ImageIDs is canonical. Attempt is 1
// when absent.
//
// On error the Request is zero and the error is an *outcome.Error with code
// InvalidRequest.
func Parse(body []byte) (Request, error) {
	var p problems
	raw := split(body, &p)
	if !p.empty() {
		return Request{}, p.err()
	}
	r := decode(raw, &p)
	if !p.empty() {
		return Request{}, p.err()
	}
	r.check(&p)
	if !p.empty() {
		return Request{}, p.err()
	}
	return r, nil
}

// split checks that body is one JSON object with known, unrepeated keys and
// returns each key's raw value. It walks tokens rather than unmarshalling into
// a struct because encoding/json would accept repeated keys (last wins) and
// match keys case-insensitively.
func split(body []byte, p *problems) map[string]json.RawMessage {
	if len(body) > MaxBodyBytes {
		p.add("request body is %d bytes; the limit is %d (64 KiB, the MNS message size limit)", len(body), MaxBodyBytes)
		return nil
	}
	// A leading byte order mark (Windows editors and tools write one) is
	// not part of the JSON; a policy file with one is read as usual too.
	body = bytes.TrimPrefix(body, utf8BOM)
	if !utf8.Valid(body) {
		p.add("request body is not valid UTF-8")
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		p.add("request body is empty: want a JSON object such as {\"action\":\"reconcile\",\"regionId\":\"cn-hangzhou\",\"imageId\":\"m-...\"}")
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		p.add("request body is not a JSON object%s", syntax(err))
		return nil
	}
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			p.add("request body is not valid JSON%s", syntax(err))
			return nil
		}
		key := tok.(string) // inside an object, Token returns keys as strings
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			p.add("request body is not valid JSON%s", syntax(err))
			return nil
		}
		switch _, dup := raw[key]; {
		case dup:
			p.add("field %s appears more than once", quote(key))
		case !slices.Contains(fields, key):
			p.add("unknown field %s%s; a request takes only %s", quote(key), suggest(key), strings.Join(fields, ", "))
		}
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		p.add("request body is not valid JSON%s", syntax(err))
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		p.add("request body has data after the JSON object")
	}
	return raw
}

// decode converts the raw values to a Request, reporting wrong types.
func decode(raw map[string]json.RawMessage, p *problems) Request {
	var r Request
	str(raw, "action", &r.Action, p)
	str(raw, "regionId", &r.RegionID, p)
	var one string
	list(raw, "imageIds", &r.ImageIDs, p)
	str(raw, "imageId", &one, p)
	if string(raw["imageId"]) == `""` {
		p.add("imageId is empty")
	}
	if one != "" {
		r.ImageIDs = append(r.ImageIDs, one)
	}
	r.ImageIDs = unique(r.ImageIDs)
	list(raw, "accounts", &r.Accounts, p)
	if len(r.Accounts) == 0 {
		r.Accounts = nil // [] is absent, so the canonical form has one spelling
	}
	if v, ok := raw["dryRun"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.DryRun); err != nil {
			p.add("dryRun must be true or false")
		}
	}
	str(raw, "correlationId", &r.CorrelationID, p)
	str(raw, "origin", &r.Origin, p)
	if v, ok := raw["sweep"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.Sweep); err != nil {
			p.add("sweep must be true or false")
		}
	}
	str(raw, "seal", &r.Seal, p)
	r.Attempt = 1
	if v, ok := raw["attempt"]; ok && !isNull(v) {
		n, err := strconv.Atoi(string(v))
		switch {
		case err != nil:
			p.add("attempt must be a whole number from 1 to %d", MaxAttempt)
		case n < 1:
			p.add("attempt must be at least 1, got %d", n)
		default:
			r.Attempt = n
		}
	}
	return r
}

// str decodes raw[key] into *dst when present and not null.
func str(raw map[string]json.RawMessage, key string, dst *string, p *problems) {
	v, ok := raw[key]
	if !ok || isNull(v) {
		return
	}
	if err := json.Unmarshal(v, dst); err != nil {
		p.add("%s must be a string", key)
	}
}

// list decodes raw[key] into *dst when present and not null; every element
// must be a string (null elements included: they are not strings).
func list(raw map[string]json.RawMessage, key string, dst *[]string, p *problems) {
	v, ok := raw[key]
	if !ok || isNull(v) {
		return
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil {
		p.add("%s must be an array of strings", key)
		return
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		var s string
		if isNull(e) || json.Unmarshal(e, &s) != nil {
			p.add("%s[%d] must be a string", key, i)
			continue
		}
		out = append(out, s)
	}
	*dst = out
}

func isNull(v json.RawMessage) bool { return string(v) == "null" }

// unique drops repeats, keeping the first of each.
func unique(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// syntax renders a JSON error for a message: ": <cause>", or "" when there is
// none to show (the top-level value simply was not an object).
func syntax(err error) string {
	var se *json.SyntaxError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return ": " + se.Error() + " (at byte " + strconv.FormatInt(se.Offset, 10) + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ": unexpected end of input"
	default:
		return ": " + err.Error()
	}
}

// suggest names the field a misspelt key most likely meant, if any is close.
func suggest(key string) string {
	if f := suggestpkg.Closest(key, fields); f != "" {
		return " (did you mean " + quote(f) + "?)"
	}
	return ""
}
