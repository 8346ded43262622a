package bench

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestSoakHoldsItsInvariants(t *testing.T) {
	b := mustBinaries(t)
	res, err := Soak(context.Background(), SoakConfig{Binary: b.Function, Events: 100, Images: 30, Seed: 2, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invocations < 50 || res.Tally.Finals < 100 {
		t.Fatalf("the soak did little: %d invocations, %d final outcomes", res.Invocations, res.Tally.Finals)
	}
	for _, inv := range invariants {
		n := res.Tally.Counts[inv.category]
		if n > 0 {
			t.Errorf("%d×: %s: %v", n, inv.category, res.Tally.Violations[inv.category])
		}
	}
	if rows := res.Rows(); len(rows) != 2+len(invariants) {
		t.Errorf("%d rows, want %d", len(rows), 2+len(invariants))
	}
}

func TestSoakWithoutFaultsIsExactlyOnce(t *testing.T) {
	// Without faults (and so without failed invocations) the only
	// re-deliveries are duplicate events and lost acks: every invariant,
	// the exactly-once ones included, must hold whenever nothing defers
	// twice. Images here are all ready, so nothing defers at all.
	b := mustBinaries(t)
	res, err := Soak(context.Background(), SoakConfig{Binary: b.Function, Events: 60, Images: 10, Seed: 3, FaultRate: 1e-9, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Tally.Failed(); len(f) != 0 {
		t.Errorf("violations without faults: %v", f)
	}
}

func TestSoakEventsTieBack(t *testing.T) {
	// Every event must be one the tally can find outcomes for: requests
	// carry their key as correlationId, except bodies that are not requests,
	// which must go through the queue; an ActionTrail event's key is its id;
	// a not-ready image gets exactly one ActionTrail event.
	creating := map[string]int{}
	rnd := rand.New(rand.NewPCG(5, 5))
	ims := soakImages(40, rnd)
	for _, ev := range soakEvents(500, ims, rnd) {
		switch {
		case ev.Kind == "actiontrail":
			if ev.Key == "" || len(ev.Images) != 1 {
				t.Fatalf("ActionTrail event %+v", ev)
			}
			if !ev.Ignored {
				creating[ev.Images[0]]++
			}
		case ev.Invalid && ev.Kind != "mns-queue" && !strings.Contains(ev.Body, `"correlationId":"`+ev.Key+`"`):
			t.Fatalf("%s event %s has no correlationId to tie it back", ev.Kind, ev.Key)
		}
	}
	for _, im := range ims {
		if notReadyAtStart(im) && creating[im.ID] != 1 {
			t.Errorf("not-ready image %s has %d ActionTrail events, want 1", im.ID, creating[im.ID])
		}
	}
}
