package request

import (
	"errors"
	"reflect"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// FuzzParse: Parse never panics, fails only with an InvalidRequest
// *outcome.Error, and what it accepts is valid, canonical, and survives a
// Marshal/Parse round trip unchanged. The seed corpus is testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-001"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Parse(body)
		if err != nil {
			var e *outcome.Error
			if !errors.As(err, &e) || e.Code != outcome.InvalidRequest || e.Message == "" {
				t.Fatalf("Parse error %#v is not an InvalidRequest *outcome.Error with a message", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid request: %v", err)
		}
		if r.Attempt < 1 {
			t.Fatalf("Parse left Attempt %d", r.Attempt)
		}
		b, err := Marshal(r)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", r, err)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(Marshal(r)) = %v\nbody: %s", err, b)
		}
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip changed the request:\n%#v\n%#v", r, back)
		}
		// What the function seals, it recognises; with another key, or with
		// a field changed, it does not.
		key := []byte("fuzz-request-key-0123456789abcdef")
		sealed, err := Seal(r, key)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		s, err := Parse(sealed)
		if err != nil || !s.Authentic(key) {
			t.Fatalf("a sealed request is not authentic (%v): %s", err, sealed)
		}
		if s.Authentic([]byte("another-key-0123456789abcdef-0123")) {
			t.Fatal("a seal verifies under another key")
		}
		s.Attempt++
		if s.Attempt <= MaxAttempt && s.Authentic(key) {
			t.Fatal("a seal still verifies with attempt changed")
		}
	})
}
