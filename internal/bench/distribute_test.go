package bench

import (
	"context"
	"testing"
)

// TestDistributeReachesEveryRegion runs the distribution measurement small:
// every copy is made once and shared, and the figures are against their
// minimum.
func TestDistributeReachesEveryRegion(t *testing.T) {
	r, err := Distribute(context.Background(), DistributeConfig{Regions: []string{"cn-shanghai", "cn-beijing"}, Accounts: 12})
	if err != nil {
		t.Fatal(err)
	}
	if r.Copies != 2 || r.Calls["CopyImage"] != 2 || r.NotShared != 0 {
		t.Fatalf("copies %d, CopyImage calls %d, not shared %d", r.Copies, r.Calls["CopyImage"], r.NotShared)
	}
	if r.Calls[modifyAPI] < r.MinModify || r.Emulated < r.MinEmulated {
		t.Fatalf("below the minimum: %d Modify calls (min %d), %s (min %s)", r.Calls[modifyAPI], r.MinModify, r.Emulated, r.MinEmulated)
	}
	if rows := r.Rows(); len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
}
