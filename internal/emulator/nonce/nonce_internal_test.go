package nonce

import (
	"fmt"
	"testing"
	"time"
)

func TestNonceCache(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(3)
	steps := []struct {
		nonce   string
		expires time.Duration // after t0
		now     time.Duration // after t0
		fresh   bool
	}{
		{"a", 10 * time.Minute, 0, true},
		{"a", 10 * time.Minute, time.Minute, false}, // replay within the window
		{"b", 20 * time.Minute, time.Minute, true},
		{"a", 25 * time.Minute, 11 * time.Minute, true}, // the first use expired: forgotten
		{"c", 30 * time.Minute, 11 * time.Minute, true},
		{"d", 40 * time.Minute, 11 * time.Minute, true}, // full: b (first to expire) is dropped
		{"b", 20 * time.Minute, 12 * time.Minute, true},
		{"d", 40 * time.Minute, 12 * time.Minute, false},
	}
	for i, s := range steps {
		if got := c.Use(s.nonce, t0.Add(s.expires), t0.Add(s.now)); got != s.fresh {
			t.Errorf("step %d (%s): fresh %v, want %v", i, s.nonce, got, s.fresh)
		}
		if len(c.seen) > 3 || len(c.seen) != len(c.exp) {
			t.Fatalf("step %d: %d nonces, %d expiries", i, len(c.seen), len(c.exp))
		}
	}
}

func TestNonceCacheBounded(t *testing.T) {
	t0 := time.Now()
	c := New(100)
	for i := range 10000 {
		c.Use(fmt.Sprint(i), t0.Add(time.Hour), t0)
	}
	if len(c.seen) != 100 || len(c.exp) != 100 {
		t.Errorf("%d nonces kept, want 100", len(c.seen))
	}
}
