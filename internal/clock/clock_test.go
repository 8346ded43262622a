package clock

import (
	"context"
	"testing"
	"time"
)

func TestManualAdvanceNotifies(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewManual(start)
	var got []time.Time
	m.OnAdvance(func(now time.Time) { got = append(got, now) })
	m.Advance(90 * time.Second)
	m.Advance(-time.Hour) // never backward
	if want := start.Add(90 * time.Second); !m.Now().Equal(want) {
		t.Fatalf("Now = %v, want %v", m.Now(), want)
	}
	if len(got) != 2 || !got[0].Equal(start.Add(90*time.Second)) || !got[1].Equal(got[0]) {
		t.Fatalf("notifications = %v", got)
	}
}

func TestRunningMovesWithRealTime(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewRunning(start)
	m.Advance(time.Hour)
	if now := m.Now(); now.Before(start.Add(time.Hour)) {
		t.Fatalf("Now = %v, before start+1h", now)
	}
	first := m.Now()
	time.Sleep(2 * time.Millisecond)
	if !m.Now().After(first) {
		t.Fatal("running clock did not move with real time")
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Microsecond); err != nil {
		t.Errorf("Sleep = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
}
