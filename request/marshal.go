package request

import (
	"bytes"
	"encoding/json"
)

// Marshal validates r and returns its wire form, for the work queue (a
// deferred reconcile carries its Attempt) and for tests. Image ids are always
// written as imageIds; Attempt 0 is written as 1. What Marshal writes, Parse
// reads back to the same Request.
func Marshal(r Request) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.Attempt == 0 {
		r.Attempt = 1
	}
	// HTML escaping is off so that the written form stays within MaxBodyBytes
	// whenever the parsed one did ("<" would grow to six bytes). Validate
	// leaves only strings, slices, a bool and an int, so encoding cannot fail.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
