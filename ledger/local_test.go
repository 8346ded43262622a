package ledger

import (
	"context"
	"testing"
	"time"
)

func TestLocalLease(t *testing.T) {
	l := NewLocal()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	claim := func(lease time.Duration) bool {
		won, err := l.Claim(ctx, "k", lease)
		if err != nil {
			t.Fatal(err)
		}
		return won
	}
	if !claim(time.Minute) {
		t.Fatal("first claim lost")
	}
	now = now.Add(30 * time.Second)
	if claim(time.Minute) {
		t.Fatal("claim within the lease won")
	}
	if claim(0) {
		t.Fatal("claim without a lease won")
	}
	now = now.Add(31 * time.Second)
	if !claim(time.Minute) {
		t.Fatal("claim after the lease lost")
	}
}
