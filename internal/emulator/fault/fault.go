// Package fault decides, for every call the emulator receives, whether it is
// delayed, throttled or failed, and counts every call per API.
//
// The emulated services ask the Injector before acting on a call and render
// its Decision in their own wire format (ECS JSON errors, MNS XML errors), so
// the same world file drives faults in every service.
package fault

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Kind of a decision.
type Kind int

// Decision kinds.
const (
	None    Kind = iota // answer normally
	Error               // answer with Decision.Code
	Timeout             // hang until the client gives up (after applying, if Apply)
	Reset               // close the connection without answering (after applying, if Apply)
)

// Decision is what the injector wants done with one call.
type Decision struct {
	Kind Kind
	// Code is the service error code to answer with (Kind Error).
	Code string
	// Status overrides the code's documented HTTP status when non-zero.
	Status int
	// Apply makes a Timeout or Reset happen after the call took effect.
	Apply bool
}

// Call describes one incoming call, for matching.
type Call struct {
	API     string // ECS Action, MNS or OSS operation
	ImageID string
	Queue   string
	Topic   string
	Bucket  string
	// Throttle names the code a rate-limited call gets in this service
	// (Throttling for ECS, QpsLimitExceeded for MNS and OSS).
	Throttle string
}

// Injector holds the faults, latencies, rate limits and call counters of one
// emulator. It is safe for concurrent use.
type Injector struct {
	mu       sync.Mutex
	rules    []*rule
	latency  map[string]time.Duration
	limit    *world.RateLimit
	limiters map[string]*rate.Limiter
	counts   map[string]int
}

type rule struct {
	world.Fault
	seen int // matching calls so far
}

// New returns an injector seeded from the world's faults, latency and rate limit.
func New(w *world.World) *Injector {
	in := &Injector{
		latency:  map[string]time.Duration{},
		limiters: map[string]*rate.Limiter{},
		counts:   map[string]int{},
		limit:    w.RateLimit,
	}
	for api, d := range w.Latency {
		in.latency[api] = d.D()
	}
	for _, f := range w.Faults {
		in.Add(f)
	}
	return in
}

// Add appends a fault at run time (tests inject faults between calls).
func (in *Injector) Add(f world.Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rules = append(in.rules, &rule{Fault: f})
}

// SetLatency sets the latency added to every call of api ("*" for all).
func (in *Injector) SetLatency(api string, d time.Duration) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.latency[api] = d
}

// SetRateLimit replaces the rate limit (nil removes it).
func (in *Injector) SetRateLimit(rl *world.RateLimit) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.limit = rl
	in.limiters = map[string]*rate.Limiter{}
}

// Decide counts the call, waits out its latency (on real time, returning
// early if ctx ends), then applies the rate limit and the first matching
// fault that still has calls to fail.
func (in *Injector) Decide(ctx context.Context, c Call) Decision {
	in.mu.Lock()
	in.counts[c.API]++
	d, ok := in.latency[c.API]
	if !ok {
		d = in.latency["*"]
	}
	in.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}

	in.mu.Lock()
	defer in.mu.Unlock()
	if lim := in.limiterFor(c.API); lim != nil && !lim.Allow() {
		return Decision{Kind: Error, Code: c.Throttle}
	}
	for _, r := range in.rules {
		if !r.matches(c) {
			continue
		}
		r.seen++
		if r.seen <= r.After || r.seen > r.After+r.Times {
			continue
		}
		switch r.Code {
		case world.FaultTimeout:
			return Decision{Kind: Timeout, Apply: r.Apply}
		case world.FaultReset:
			return Decision{Kind: Reset, Apply: r.Apply}
		default:
			return Decision{Kind: Error, Code: r.Code, Status: r.Status}
		}
	}
	return Decision{}
}

func (in *Injector) limiterFor(api string) *rate.Limiter {
	rl := in.limit
	if rl == nil {
		return nil
	}
	apis := rl.APIs
	if len(apis) == 0 {
		apis = world.ECSActions
	}
	if !slices.Contains(apis, api) {
		return nil
	}
	lim, ok := in.limiters[api]
	if !ok {
		burst := rl.Burst
		if burst < 1 {
			burst = 1
		}
		lim = rate.NewLimiter(rate.Limit(rl.CallsPerSecond), burst)
		in.limiters[api] = lim
	}
	return lim
}

func (r *rule) matches(c Call) bool {
	return (r.API == "*" || r.API == c.API) &&
		(r.ImageID == "" || r.ImageID == c.ImageID) &&
		(r.Queue == "" || r.Queue == c.Queue) &&
		(r.Topic == "" || r.Topic == c.Topic) &&
		(r.Bucket == "" || r.Bucket == c.Bucket)
}

// Counts returns a copy of the number of calls received per API, every call
// counted, the failed and throttled ones included.
func (in *Injector) Counts() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.counts)
}

// ResetCounts sets every counter back to zero.
func (in *Injector) ResetCounts() {
	in.mu.Lock()
	defer in.mu.Unlock()
	clear(in.counts)
}

// Hang blocks until the client gives up on the request (its context ends)
// or stop is closed (the emulator is shutting down), and never answers: a
// timeout as the client sees it.
func Hang(r *http.Request, stop <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-stop:
	}
}

// ResetConn closes the request's connection without an answer. It uses
// http.ResponseController's hijack, which the standard server supports; where
// hijacking is impossible it panics with http.ErrAbortHandler, which the
// server also turns into a dropped connection.
func ResetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0) // send RST, not FIN: a reset as the client sees it
	}
	_ = conn.Close()
}

// Drop carries out a Timeout or Reset decision: with Apply the call runs
// first (an ambiguous failure: it takes effect, but the client never hears
// so), then the client is left hanging or its connection reset. It reports
// whether d was either; for any other decision it does nothing and the
// caller answers. run may be nil for a call with no effect (a read).
func Drop(d Decision, w http.ResponseWriter, r *http.Request, stop <-chan struct{}, run func()) bool {
	if d.Kind != Timeout && d.Kind != Reset {
		return false
	}
	if d.Apply && run != nil {
		run()
	}
	if d.Kind == Timeout {
		Hang(r, stop)
	} else {
		ResetConn(w)
	}
	return true
}
