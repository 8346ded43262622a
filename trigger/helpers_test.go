package trigger

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// want describes one expected item. Exactly one of req, sweep, errCode and
// ignore should be set, as in Item.
type want struct {
	typ       Type
	eventID   string
	eventName string
	sourceID  string
	corr      string
	req       *request.Request
	sweep     *Sweep
	errCode   outcome.Code
	errHas    string // substring of the error message
	ignore    string // substring of the ignore reason
}

func reconcile(region string, ids ...string) *request.Request {
	return &request.Request{Action: request.Reconcile, RegionID: region, ImageIDs: ids, Attempt: 1}
}

// check compares items with wants, and checks the invariants every item keeps.
func check(t *testing.T, got []Item, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d items, want %d:\n%s", len(got), len(wants), describe(got))
	}
	for i, w := range wants {
		it := got[i]
		invariants(t, it)
		if g := it.Trigger; g != (Trigger{Type: w.typ, EventID: w.eventID, EventName: w.eventName}) {
			t.Errorf("item %d: trigger %+v, want {%s %q %q}", i, g, w.typ, w.eventID, w.eventName)
		}
		if w.sourceID != "" && it.SourceID != w.sourceID {
			t.Errorf("item %d: SourceID %q, want %q", i, it.SourceID, w.sourceID)
		}
		if it.CorrelationID != w.corr {
			t.Errorf("item %d: CorrelationID %q, want %q", i, it.CorrelationID, w.corr)
		}
		if !reflect.DeepEqual(it.Request, w.req) {
			t.Errorf("item %d: request\n%+v\nwant\n%+v", i, it.Request, w.req)
		}
		if !reflect.DeepEqual(it.Sweep, w.sweep) {
			t.Errorf("item %d: sweep %+v, want %+v", i, it.Sweep, w.sweep)
		}
		switch {
		case w.errCode == "" && it.Err != nil:
			t.Errorf("item %d: unexpected error %v", i, it.Err)
		case w.errCode != "" && (it.Err == nil || it.Err.Code != w.errCode || !strings.Contains(it.Err.Message, w.errHas)):
			t.Errorf("item %d: error %v, want %s containing %q", i, it.Err, w.errCode, w.errHas)
		}
		switch {
		case w.ignore == "" && it.Ignore != "":
			t.Errorf("item %d: unexpectedly ignored: %s", i, it.Ignore)
		case w.ignore != "" && !strings.Contains(it.Ignore, w.ignore):
			t.Errorf("item %d: Ignore %q, want it to contain %q", i, it.Ignore, w.ignore)
		}
	}
}

// invariants are what the handler relies on for every item.
func invariants(t *testing.T, it Item) {
	t.Helper()
	set := 0
	for _, ok := range []bool{it.Request != nil, it.Sweep != nil, it.Err != nil, it.Ignore != ""} {
		if ok {
			set++
		}
	}
	if set != 1 {
		t.Errorf("item has %d of Request, Sweep, Err, Ignore set, want exactly 1: %+v", set, it)
	}
	switch it.Trigger.Type {
	case ActionTrail, MNSQueue, MNSTopic, Timer, Direct:
	default:
		t.Errorf("item has trigger type %q", it.Trigger.Type)
	}
	if it.SourceID == "" {
		t.Errorf("item has no SourceID: %+v", it)
	}
	if it.Request != nil {
		if err := it.Request.Validate(); err != nil {
			t.Errorf("item carries an invalid request: %v", err)
		}
		if it.CorrelationID != it.Request.CorrelationID {
			t.Errorf("CorrelationID %q differs from the request's %q", it.CorrelationID, it.Request.CorrelationID)
		}
	}
	if it.Err != nil && it.Err.Code != outcome.InvalidEvent && it.Err.Code != outcome.InvalidRequest {
		t.Errorf("item error has code %s, want InvalidEvent or InvalidRequest", it.Err.Code)
	}
	if it.Err != nil && it.Err.Message == "" {
		t.Errorf("item error has no message")
	}
}

func describe(items []Item) string {
	var b strings.Builder
	for i, it := range items {
		switch {
		case it.Request != nil:
			fmt.Fprintf(&b, "  %d: request %+v\n", i, *it.Request)
		case it.Sweep != nil:
			fmt.Fprintf(&b, "  %d: sweep %+v\n", i, *it.Sweep)
		case it.Err != nil:
			fmt.Fprintf(&b, "  %d: error %v\n", i, it.Err)
		default:
			fmt.Fprintf(&b, "  %d: ignore: %s\n", i, it.Ignore)
		}
	}
	return b.String()
}

// q renders s as a JSON string.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
