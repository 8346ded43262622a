package trigger

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestDecodeShapes(t *testing.T) {
	const okReq = `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1"}`
	invalid := func(code outcome.Code, has string) want {
		return want{typ: Direct, errCode: code, errHas: has}
	}
	tests := []struct {
		name    string
		payload string
		want    []want
	}{
		{"empty", "", []want{invalid(outcome.InvalidEvent, "payload is empty")}},
		{"whitespace", " \n\t", []want{invalid(outcome.InvalidEvent, "payload is empty")}},
		{"empty array", "[ ]", []want{invalid(outcome.InvalidEvent, "empty JSON array")}},
		{"null", "null", []want{invalid(outcome.InvalidEvent, "payload is a JSON null")}},
		{"number", "42", []want{invalid(outcome.InvalidEvent, "payload is a JSON number")}},
		{"string holding a request", q(okReq), []want{invalid(outcome.InvalidEvent, "payload is a JSON string")}},
		{"truncated object", `{"action":"reconcile",`, []want{invalid(outcome.InvalidEvent, "payload is not JSON")}},
		{"truncated array", `[{"action":"reconcile"}`, []want{invalid(outcome.InvalidEvent, "payload is not JSON")}},
		{"object then garbage", okReq + ` x`, []want{invalid(outcome.InvalidEvent, "payload is not JSON")}},
		{"request after a byte order mark", "\ufeff" + okReq, []want{{typ: Direct, req: reconcile("cn-hangzhou", "m-1")}}},
		{"batch after a byte order mark", "\ufeff[" + okReq + "]", []want{{typ: Direct, req: reconcile("cn-hangzhou", "m-1")}}},
		{"empty object", `{}`, []want{invalid(outcome.InvalidEvent, "unrecognised payload (keys none)")}},
		{
			"many unknown keys are listed briefly", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1}`,
			[]want{invalid(outcome.InvalidEvent, `keys "a", "b", "c", "d", "e", "f", "g", "h", and 2 more`)},
		},
		{"CloudEvent without a type", `{"specversion":"1.0","id":"x","data":{}}`, []want{{typ: Direct, eventID: "x", sourceID: "x", errCode: outcome.InvalidEvent, errHas: `CloudEvent "x" has no type`}}},
		{
			"batch of mixed elements: each on its own", `[` + okReq + `, 7, "s", null, [], {"hello":1}]`,
			[]want{
				{typ: Direct, req: reconcile("cn-hangzhou", "m-1")},
				invalid(outcome.InvalidEvent, "batch element 1 is a JSON number"),
				invalid(outcome.InvalidEvent, "batch element 2 is a JSON string"),
				invalid(outcome.InvalidEvent, "batch element 3 is a JSON null"),
				invalid(outcome.InvalidEvent, "batch element 4 is a JSON array"),
				invalid(outcome.InvalidEvent, "unrecognised payload"),
			},
		},
		{"request key in another case is still a request", `{"Action":"reconcile"}`, []want{invalid(outcome.InvalidRequest, `unknown field "Action" (did you mean "action"?)`)}},
		{"repeated request key", `{"action":"share","action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1"}`, []want{invalid(outcome.InvalidRequest, `field "action" appears more than once`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Decode([]byte(tt.payload), Options{}), tt.want)
		})
	}
}

func TestDecodeOversize(t *testing.T) {
	payload := bytes.Repeat([]byte(" "), MaxPayload+1)
	check(t, Decode(payload, Options{}), []want{{typ: Direct, errCode: outcome.InvalidEvent, errHas: "Function Compute delivers at most 33554432"}})
}

// TestDirectSourceID: a direct request's SourceID depends on what it asks,
// not on how it is written, so a re-delivery gets the same outcomeId and a
// different request a different one.
func TestDirectSourceID(t *testing.T) {
	id := func(payload string) string {
		t.Helper()
		items := Decode([]byte(payload), Options{})
		if len(items) != 1 {
			t.Fatalf("%d items", len(items))
		}
		return items[0].SourceID
	}
	base := id(`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"correlationId":"c"}`)
	same := []string{
		`{ "correlationId": "c", "imageId": "m-1", "regionId": "cn-hangzhou", "action": "reconcile" }`,
		`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1","m-1"],"correlationId":"c","attempt":1,"dryRun":false}`,
	}
	for _, p := range same {
		if got := id(p); got != base {
			t.Errorf("SourceID of %s = %s, want %s", p, got, base)
		}
	}
	different := []string{
		`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"correlationId":"d"}`,
		`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"correlationId":"c","dryRun":true}`,
		`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"correlationId":"c","attempt":2}`,
		`{"action":"reconcile","regionId":"cn-beijing","imageIds":["m-1"],"correlationId":"c"}`,
	}
	for _, p := range different {
		if got := id(p); got == base {
			t.Errorf("SourceID of %s = %s, the same as a different request's", p, got)
		}
	}
	// An invalid request's id is its content's, whitespace aside.
	if a, b := id(`{"action":"x"}`), id("{ \"action\" : \"x\" }\n"); a != b || !strings.HasPrefix(a, "sha256:") {
		t.Errorf("SourceIDs of an invalid request: %s and %s", a, b)
	}
}

// TestDecodeIsDeterministic decodes every payload file twice under every
// option and compares.
func TestDecodeIsDeterministic(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(eventsDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range allOptions {
			a, b := Decode(payload, opt), Decode(payload, opt)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s %+v: two decodings differ", filepath.Base(f), opt)
			}
		}
	}
}

var allOptions = []Options{{}, {Base64Body: true}, {TopicStream: true}, {Base64Body: true, TopicStream: true}}

// TestTypesMatchOutcome keeps the trigger types in step with the outcome's
// schema, which is the contract with consumers.
func TestTypesMatchOutcome(t *testing.T) {
	for _, typ := range []Type{ActionTrail, MNSQueue, MNSTopic, Timer, Direct} {
		if !slices.Contains(outcome.TriggerTypes, string(typ)) {
			t.Errorf("trigger type %q is not in outcome.TriggerTypes %v", typ, outcome.TriggerTypes)
		}
	}
}
