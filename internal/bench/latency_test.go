package bench

import (
	"context"
	"testing"
	"time"
)

func TestLatencyCountsCalls(t *testing.T) {
	res, err := Latency(context.Background(), LatencyConfig{Accounts: 50, PerCall: time.Millisecond, Runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Minimum != 5 || res.Bound != 7*time.Millisecond {
		t.Fatalf("minimum %d, bound %v", res.Minimum, res.Bound)
	}
	want := map[string]struct{ modify, notDone int }{
		stratProduct:    {5, 0},
		stratPerAccount: {50, 0},
		stratWholeList:  {1, 50}, // more than 10 ids: ignored, silently
	}
	for _, s := range res.Strategies {
		w := want[s.Strategy]
		if s.Calls[modifyAPI] != w.modify || s.NotDone != w.notDone {
			t.Errorf("%s: %d Modify calls, %d not shared; want %d, %d", s.Strategy, s.Calls[modifyAPI], s.NotDone, w.modify, w.notDone)
		}
		if s.Median <= 0 {
			t.Errorf("%s: no time measured", s.Strategy)
		}
	}
}
