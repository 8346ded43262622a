package bench

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// testBinaries are the function and hello, built once for the package's
// tests and removed by TestMain.
var testBinaries struct {
	once sync.Once
	dir  string
	bins Binaries
	err  error
}

// mustBinaries builds the binaries on first use; -short skips the tests
// that need them.
func mustBinaries(t *testing.T) Binaries {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the function: not in -short mode")
	}
	tb := &testBinaries
	tb.once.Do(func() {
		if tb.dir, tb.err = os.MkdirTemp("", "bench-test-bin-"); tb.err == nil {
			tb.bins, tb.err = Build(context.Background(), tb.dir)
		}
	})
	if tb.err != nil {
		t.Fatal(tb.err)
	}
	return tb.bins
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBinaries.dir != "" {
		_ = os.RemoveAll(testBinaries.dir)
	}
	os.Exit(code)
}

func TestBulkPolicyWantsTheTagsGroup(t *testing.T) {
	p, err := policy.Parse("bulk.yaml", []byte(bulkPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	images, want := bulkFleet(60, 1)
	for _, im := range images {
		d := p.Desired(policy.Image{ID: im.ID, Region: region, OwnerID: owner, Tags: im.Tags})
		if len(d.Accounts) != want[im.ID] {
			t.Fatalf("%s tagged %v wants %d accounts, the fleet says %d", im.ID, im.Tags, len(d.Accounts), want[im.ID])
		}
	}
}

func TestBulkSweepLeavesNothingUndone(t *testing.T) {
	b := mustBinaries(t)
	for _, mode := range []struct{ over, shared bool }{{false, false}, {false, true}, {true, false}} {
		cfg := BulkConfig{Binary: b.Function, Images: 60, Rate: 400, Workers: 2, Oversubscribe: mode.over, SharedBudget: mode.shared, Timeout: 2 * time.Minute}
		name := cfg.Mode()
		res, err := Bulk(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Undone != 0 || res.Failed != 0 || len(res.Panics) != 0 {
			t.Fatalf("%s: %d undone, %d failed invocations %v, panics %v", name, res.Undone, res.Failed, res.Errors, res.Panics)
		}
		outs := 0
		for st, n := range res.Outcomes {
			if st == outcome.Failed || st == outcome.Partial {
				t.Errorf("%s: %d %s outcomes", name, n, st)
			}
			outs += n
		}
		if outs != 60 {
			t.Errorf("%s: %d image outcomes, want one per image", name, outs)
		}
		if got, minimum := answered(res.ECS, modifyAPI), res.Minimum[modifyAPI]; got != minimum {
			t.Errorf("%s: %d Modify calls answered, minimum %d", name, got, minimum)
		}
		if n := len(res.Progress); n != answered(res.ECS) || n == 0 || res.Progress[n-1].Done != n {
			t.Errorf("%s: %d progress points for %d calls answered", name, n, answered(res.ECS))
		}
		if len(res.Rows()) == 0 {
			t.Error("no rows")
		}
	}
}
