package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestNewBudgetRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  BudgetConfig
		want string
	}{
		{"zero rate", BudgetConfig{Rate: 0}, "not a positive number"},
		{"negative rate", BudgetConfig{Rate: -1}, "not a positive number"},
		{"unknown API", BudgetConfig{Rate: 1, PerAPI: map[string]float64{"DescribeInstances": 5}}, `"DescribeInstances": not an API`},
		{"zero API rate", BudgetConfig{Rate: 1, PerAPI: map[string]float64{apiModify: 0}}, "ModifyImageSharePermission: rate 0"},
		{"per-API rate in shared mode", BudgetConfig{Rate: 1, Shared: true, PerAPI: map[string]float64{apiModify: 2}}, "shared budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewBudget(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBudgetRates(t *testing.T) {
	b, err := NewBudget(BudgetConfig{Rate: 20, PerAPI: map[string]float64{apiModify: 7.5}})
	if err != nil {
		t.Fatal(err)
	}
	for api, want := range map[string]float64{apiDescribeImages: 20, apiDescribeShare: 20, apiModify: 7.5, "Other": 20} {
		if got := b.Rate(api); got != want {
			t.Errorf("Rate(%s) = %v, want %v", api, got, want)
		}
	}
}

// TestBudgetBucketsArePerAPI spends one API's only token and then asks for
// others under a deadline: with per-API buckets they are free, with a shared
// bucket the wait would pass the deadline, which rate.Limiter reports at
// once. The refill takes 1000 s, so the outcome does not depend on timing.
func TestBudgetBucketsArePerAPI(t *testing.T) {
	for _, shared := range []bool{false, true} {
		b, err := NewBudget(BudgetConfig{Rate: 0.001, Shared: shared})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Wait(context.Background(), apiModify); err != nil {
			t.Fatalf("shared=%v: first call waited: %v", shared, err)
		}
		for _, api := range []string{apiDescribeImages, apiDescribeShare, apiModify} {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := b.Wait(ctx, api)
			cancel()
			wantFree := !shared && api != apiModify
			if (err == nil) != wantFree {
				t.Errorf("shared=%v: Wait(%s) after one Modify: err %v, want free=%v", shared, api, err, wantFree)
			}
		}
	}
}
