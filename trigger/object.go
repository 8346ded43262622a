package trigger

import (
	"bytes"
	"encoding/json"
	"strings"
)

// object is a decoded JSON object whose fields are read liberally: the
// services this package reads spell and type fields inconsistently across
// versions (ActionTrail records numbers as strings, lists as JSON text,
// parameters in varying case), and a decoder that insisted on one spelling
// would drop real events.
type object map[string]json.RawMessage

// parseObject decodes raw as a JSON object. A JSON string that itself holds an
// object is unwrapped, since some deliveries carry data as JSON text.
func parseObject(raw json.RawMessage) (object, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		raw = bytes.TrimSpace([]byte(s))
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var o object
	if json.Unmarshal(raw, &o) != nil {
		return nil, false
	}
	return o, true
}

// get returns the field named key: an exact match, or else the
// case-insensitive match whose key sorts first (so the choice never depends
// on map order). null counts as absent.
func (o object) get(key string) (json.RawMessage, bool) {
	v, ok := o[key]
	if !ok {
		var best string
		for k := range o {
			if strings.EqualFold(k, key) && (!ok || k < best) {
				best, ok = k, true
			}
		}
		v = o[best]
	}
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func (o object) has(key string) bool {
	_, ok := o.get(key)
	return ok
}

// str returns the field as a string: a JSON string, or a number's text.
// Anything else is "".
func (o object) str(key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	return scalar(v)
}

// strs returns the strings a field holds; see stringsOf.
func (o object) strs(key string) []string {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	return stringsOf(v)
}

// scalar renders a JSON string or number as text, and anything else as "".
func scalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch c := v[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.TrimSpace(s)
		}
	case c == '-' || c >= '0' && c <= '9':
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// stringsOf returns the resource ids in v: a string (a comma-separated list
// is split, and JSON text holding an array is decoded, as ActionTrail records
// some list parameters that way), a number, or an array of those. Empty
// entries are dropped.
func stringsOf(v json.RawMessage) []string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var elems []json.RawMessage
		if json.Unmarshal(v, &elems) != nil {
			return nil
		}
		var out []string
		for _, e := range elems {
			if s := scalar(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	s := scalar(v)
	if strings.HasPrefix(s, "[") {
		var inner []json.RawMessage
		if json.Unmarshal([]byte(s), &inner) == nil {
			return stringsOf(json.RawMessage(s))
		}
	}
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// unique drops repeats and empty strings, keeping the first of each.
func unique(ids []string) []string {
	var out []string
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// first returns the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
