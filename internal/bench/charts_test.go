package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteCharts draws each chart from small results and checks that each
// file is an SVG that carries its title and legend.
func TestWriteCharts(t *testing.T) {
	eff := &EfficiencyResult{
		Clean: []StrategyResult{
			{Strategy: stratProduct, Images: 10, Calls: 30, Minimum: 30},
			{Strategy: stratWholeList, MoreThan10: "ignore", Images: 10, Calls: 10, Minimum: 30},
		},
		OneUnknown: []StrategyResult{
			{Strategy: stratProduct, Images: 10, Calls: 35, Minimum: 30},
			{Strategy: stratWholeList, MoreThan10: "ignore", Images: 10, Calls: 10, Minimum: 30},
		},
	}
	lat := &LatencyResult{Config: LatencyConfig{Accounts: 50, PerCall: 20 * time.Millisecond, Runs: 3}, Minimum: 5, Bound: 140 * time.Millisecond,
		Strategies: []LatencyStrategy{{Strategy: stratProduct, Median: 165 * time.Millisecond}, {Strategy: stratWholeList, Median: 21 * time.Millisecond, NotDone: 50}}}
	var bulks []*BulkResult
	for _, cfg := range []BulkConfig{{}, {SharedBudget: true}} {
		r := &BulkResult{Config: cfg, Elapsed: 2 * time.Second}
		for i := range 1000 {
			r.Progress = append(r.Progress, ProgressPoint{Seconds: float64(i) / 500, Done: i + 1})
		}
		bulks = append(bulks, r)
	}
	dir := t.TempDir()
	paths, err := WriteCharts(Figures{Efficiency: eff, Latency: lat, Bulk: bulks}, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		ChartCalls:   {"calls per image", "minimum"},
		ChartSweep:   {"Bulk sweep progress", "budgeted per API", "one budget for all APIs"},
		ChartLatency: {"One new image shared with 50 accounts", "floor", "50 not shared"},
	}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v, want %d charts", paths, len(want))
	}
	for name, texts := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		svg := string(b)
		if !strings.Contains(svg, "<svg") {
			t.Errorf("%s is not an SVG", name)
		}
		for _, s := range texts {
			if !strings.Contains(svg, s) {
				t.Errorf("%s lacks %q", name, s)
			}
		}
	}
	// Nothing measured, nothing drawn.
	if paths, err := WriteCharts(Figures{}, dir); err != nil || len(paths) != 0 {
		t.Errorf("empty figures: %v, %v", paths, err)
	}
}
