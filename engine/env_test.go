package engine

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	ecsemu "github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

const (
	region   = "cn-hangzhou"
	stranger = "3000000000000001" // owns an image shared with the caller
	unknown  = "2999999999999999" // an account that does not exist
	akID     = "LTAI5tLocalTestKey"
	akSecret = "local-test-secret"
)

// testWorld is the emulated cloud the end-to-end tests start from: 120 member
// accounts and one image per status, encryption and ownership case.
func testWorld() *world.World {
	return &world.World{
		Region:      region,
		Owner:       owner,
		Credentials: world.Credentials{AccessKeyID: akID, AccessKeySecret: akSecret},
		Accounts:    accts(1, 121),
		Images: []world.Image{
			{ID: "m-golden", Tags: map[string]string{"env": "prod"}},
			{ID: "m-creating", AvailableAfter: world.Duration(100 * time.Second)},
			{ID: "m-waiting", Status: "Waiting"},
			{ID: "m-unavailable", Status: "UnAvailable"},
			{ID: "m-failed", Status: "CreateFailed"},
			{ID: "m-deprecated", Status: "Deprecated"},
			{ID: "m-cmk", Encryption: "cmk"},
			{ID: "m-svckey", Encryption: "service-key"},
			{ID: "m-theirs", Owner: stranger, SharedWith: []string{owner}},
		},
		StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// env is an ECS emulator behind an httptest server and an engine that calls
// it through the real SDK client.
type env struct {
	svc *ecsemu.Service
	inj *fault.Injector
	clk *clock.Manual
	eng *Engine

	// cc builds clients of the emulator, for tests that need a second one.
	cc ecsclient.Config

	mu     sync.Mutex
	sleeps []time.Duration
}

type envOption func(*world.World, *Config, *ecsclient.Config)

// withImage adds (or replaces) an image in the world.
func withImage(im world.Image) envOption {
	return func(w *world.World, _ *Config, _ *ecsclient.Config) {
		w.Images = slices.DeleteFunc(w.Images, func(o world.Image) bool { return o.ID == im.ID })
		w.Images = append(w.Images, im)
	}
}

// withFaults injects faults, in order.
func withFaults(fs ...world.Fault) envOption {
	return func(w *world.World, _ *Config, _ *ecsclient.Config) { w.Faults = append(w.Faults, fs...) }
}

// withTimeout sets the client's per-call timeout (timeout faults wait it out).
func withTimeout(d time.Duration) envOption {
	return func(_ *world.World, _ *Config, c *ecsclient.Config) { c.Timeout = d }
}

func withConfig(f func(*Config)) envOption {
	return func(_ *world.World, c *Config, _ *ecsclient.Config) { f(c) }
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	w := testWorld()
	cc := ecsclient.Config{Region: region, AccessKeyID: akID, AccessKeySecret: akSecret, Timeout: 5 * time.Second}
	e := &env{}
	cfg := Config{
		Sleep:  e.sleep,
		Rand:   rand.New(rand.NewPCG(1, 2)),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(w, &cfg, &cc)
	}
	e.clk = clock.NewManual(w.StartTime)
	cfg.Clock = e.clk
	e.inj = fault.New(w)
	stop := make(chan struct{})
	e.svc = ecsemu.New(w, e.clk, e.inj, stop)
	srv := httptest.NewServer(e.svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: releases calls held by timeout faults

	cc.Endpoint = srv.URL
	e.cc = cc
	client, err := ecsclient.New(cc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client = client
	if e.eng, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// sleep records the wait and moves the emulated clock instead of waiting.
func (e *env) sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.sleeps = append(e.sleeps, d)
	e.mu.Unlock()
	e.clk.Advance(d)
	return ctx.Err()
}

func (e *env) waits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.sleeps)
}

// modifyCalls is how many ModifyImageSharePermission calls the emulator
// received, failed ones included.
func (e *env) modifyCalls() int { return e.inj.Counts()[apiModify] }

// shared is the emulator's share list of an image, sorted.
func (e *env) shared(imageID string) []string {
	return slices.Sorted(slices.Values(e.svc.SharedWith(imageID)))
}

// run reconciles an image towards desired.
func (e *env) run(imageID string, in Intent) *Result {
	return e.eng.Run(context.Background(), ImageRequest{Region: region, ImageID: imageID, Decide: want(in)})
}

// want is a Decide that ignores what it observed.
func want(in Intent) func(Observed) (Intent, error) {
	return func(Observed) (Intent, error) { return in, nil }
}

// sentTwice returns ids that more than one applied call carried: after a
// call that took effect, nothing it carried may be sent again.
func sentTwice(log []ecsemu.ModifyRecord) []string {
	seen := map[string]int{}
	var twice []string
	for _, rec := range log {
		for _, id := range slices.Concat(rec.Add, rec.Remove) {
			if seen[id]++; seen[id] == 2 {
				twice = append(twice, id)
			}
		}
	}
	return twice
}

// withStartTime starts the emulated clock at t.
func withStartTime(t time.Time) envOption {
	return func(w *world.World, _ *Config, _ *ecsclient.Config) { w.StartTime = t }
}
