package bench

import (
	"context"
	"slices"
	"testing"
)

func TestShareWorkload(t *testing.T) {
	work := shareWorkload(40, 1, 10)
	if len(work) != 40 {
		t.Fatalf("%d images", len(work))
	}
	for i, w := range work {
		if len(w.before) > 50 || len(w.desired) > 50 {
			t.Fatalf("image %d breaks the 50-per-image quota: %d before, %d desired", i, len(w.before), len(w.desired))
		}
		if got := slices.Contains(w.desired, unknownAccount); got != (i%10 == 0) {
			t.Fatalf("image %d wants the unknown account: %v", i, got)
		}
	}
	again := shareWorkload(40, 1, 10)
	for i := range work {
		if len(again[i].desired) != len(work[i].desired) {
			t.Fatal("the workload is not reproducible from its seed")
		}
	}
}

func TestEfficiencyProductReachesMinimum(t *testing.T) {
	res, err := Efficiency(context.Background(), EfficiencyConfig{Images: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	byName := func(rs []StrategyResult, name, reading string) StrategyResult {
		for _, r := range rs {
			if r.Strategy == name && r.MoreThan10 == reading {
				return r
			}
		}
		t.Fatalf("no result for %s (%s)", name, reading)
		return StrategyResult{}
	}
	tests := []struct {
		name string
		got  StrategyResult
		// check returns a complaint, or "".
		check func(StrategyResult) string
	}{
		{"product on the clean mix", byName(res.Clean, stratProduct, "ignore"), func(r StrategyResult) string {
			if r.Calls != r.Minimum || r.NotDone != 0 {
				return "want exactly the minimum calls and every change made"
			}
			return ""
		}},
		{"product isolates unknown accounts", byName(res.OneUnknown, stratProduct, "ignore"), func(r StrategyResult) string {
			if r.Calls < r.Minimum || r.NotDone != 0 {
				return "want at least the minimum calls and every change to an existing account made"
			}
			return ""
		}},
		{"one call per account", byName(res.Clean, stratPerAccount, "ignore"), func(r StrategyResult) string {
			if r.Calls != r.Changes || r.NotDone != 0 {
				return "want one call per change, all made"
			}
			return ""
		}},
		{"whole list, ignore reading", byName(res.Clean, stratWholeList, "ignore"), func(r StrategyResult) string {
			if r.Calls > r.Images || r.NotDone == 0 || r.Silent == 0 {
				return "want at most one call per image and silent shortfalls above 10 ids"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		if msg := tt.check(tt.got); msg != "" {
			t.Errorf("%s: %+v: %s", tt.name, tt.got, msg)
		}
	}
	if rows := res.Rows(); len(rows) != 8 {
		t.Errorf("%d rows, want 8", len(rows))
	}
}
