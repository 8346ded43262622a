// Package clock lets time be injected: production code takes a Clock, tests
// and the emulator pass a Manual one they can move forward at will.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the real wall clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Manual is a clock that moves when told to and, if made with NewRunning,
// also with real time. It is safe for concurrent use. Subscribers registered
// with OnAdvance are called after every Advance, so that waiters on emulated
// time (delayed messages, say) can re-check their state.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	since  time.Time // real time when running started; zero when frozen
	notify []func(time.Time)
}

// NewManual returns a frozen clock set to start: only Advance moves it, which
// keeps tests deterministic.
func NewManual(start time.Time) *Manual { return &Manual{now: start} }

// NewRunning returns a clock set to start that moves with real time and can
// also be advanced: what the emulate command serves to other people's tests.
func NewRunning(start time.Time) *Manual { return &Manual{now: start, since: time.Now()} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nowLocked()
}

func (m *Manual) nowLocked() time.Time {
	if m.since.IsZero() {
		return m.now
	}
	return m.now.Add(time.Since(m.since))
}

// Running reports whether the clock also moves with real time.
func (m *Manual) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.since.IsZero()
}

// Advance moves the clock forward by d (never backward) and notifies subscribers.
func (m *Manual) Advance(d time.Duration) time.Time {
	if d < 0 {
		d = 0
	}
	m.mu.Lock()
	m.now = m.now.Add(d)
	now := m.nowLocked()
	subs := append([]func(time.Time){}, m.notify...)
	m.mu.Unlock()
	for _, f := range subs {
		f(now)
	}
	return now
}

// OnAdvance registers f to be called, outside the clock's lock, after each Advance.
func (m *Manual) OnAdvance(f func(time.Time)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notify = append(m.notify, f)
}

// Sleep waits for d on real time, or until ctx ends (returning its error).
// It is the default wherever a component takes a Sleep function: tests and
// the local command pass one that moves a Manual clock instead.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
