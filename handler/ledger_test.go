package handler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// newLedgerFixture is newFixture on a world with the bucket "ledger-bucket",
// the handler keeping its ledger in bucket ("" for each instance its own).
func newLedgerFixture(t *testing.T, bucket string, mutate ...func(*handler.Config, *handler.Deps)) *fixture {
	t.Helper()
	w := testWorld()
	w.Buckets = append(w.Buckets, world.Bucket{Name: "ledger-bucket", Region: w.Region})
	return newFixtureIn(t, w, append([]func(*handler.Config, *handler.Deps){func(c *handler.Config, _ *handler.Deps) {
		c.Ledger = handler.LedgerConfig{Bucket: bucket}
		if bucket != "" {
			c.Ledger.Endpoint = c.MNSEndpoint // the emulator serves OSS on the same address
		}
	}}, mutate...)...)
}

// TestDuplicateOnAnotherInstanceQueuesOneNextAttempt: one delivery of an
// event for an image that is not ready reaches two function instances at
// once (every trigger delivers at least once). With the shared ledger the
// next attempt is queued once; with each instance's own, twice: the fork
// the ledger exists to prevent. Both instances publish the same deferred
// outcome, under one outcomeId.
func TestDuplicateOnAnotherInstanceQueuesOneNextAttempt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		bucket     string
		wantQueued int
	}{
		{"shared ledger", "ledger-bucket", 1},
		{"each instance its own", "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newLedgerFixture(t, tc.bucket, func(c *handler.Config, _ *handler.Deps) {
				c.WaitReady = 0 // defer at once: the instances share the emulated clock
			})
			other := handler.New(f.cfg, f.deps)
			ev := mnsEvent("dup-1", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2"}`)
			var wg sync.WaitGroup
			for _, h := range []*handler.Handler{f.h, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := h.Handle(context.Background(), f.inv, []byte(ev)); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n := len(f.emu.MNS.Messages("work")); n != tc.wantQueued {
				t.Errorf("%d next attempts queued, want %d", n, tc.wantQueued)
			}
			outs := f.outcomes(t)
			if len(outs) != 2 || outs[0].OutcomeID != outs[1].OutcomeID {
				t.Fatalf("outcomes %+v, want two copies of one", outs)
			}
			for _, o := range outs {
				if o.Status != outcome.Deferred {
					t.Errorf("outcome %s, want deferred", o.Status)
				}
			}
		})
	}
}

// TestUnreachableLedgerStillDefers: a ledger bucket that does not exist
// must not lose the image: the next attempt is queued without a claim.
func TestUnreachableLedgerStillDefers(t *testing.T) {
	f := newFixture(t, func(c *handler.Config, _ *handler.Deps) {
		c.WaitReady = 0
		c.Ledger = handler.LedgerConfig{Bucket: "no-such-bucket", Endpoint: c.MNSEndpoint}
	})
	outs := f.mustHandle(mnsEvent("m-1", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2"}`))
	if len(outs) != 1 || outs[0].Status != outcome.Deferred {
		t.Fatalf("outcomes %+v, want one deferred", outs)
	}
	if n := len(f.emu.MNS.Messages("work")); n != 1 {
		t.Errorf("%d next attempts queued, want 1", n)
	}
}

func TestLedgerConfig(t *testing.T) {
	for _, k := range []string{"LEDGER_REGION", "LEDGER_ENDPOINT", "LEDGER_PREFIX"} {
		_, err := handler.ConfigFromEnv(func(key string) string {
			return map[string]string{"OUTCOME_QUEUE": "q", k: "x"}[key]
		})
		if err == nil {
			t.Errorf("%s without LEDGER_BUCKET accepted", k)
		}
	}
	cfg, err := handler.ConfigFromEnv(func(key string) string {
		return map[string]string{"OUTCOME_QUEUE": "q", "LEDGER_BUCKET": "b", "LEDGER_PREFIX": "p/"}[key]
	})
	if err != nil || cfg.Ledger.Bucket != "b" || cfg.Ledger.Prefix != "p/" {
		t.Fatalf("config %+v, %v", cfg.Ledger, err)
	}
}

// TestNextAttemptSentTwiceIsWorkedOnce: one next attempt arrives as two
// messages (a send retried after it had gone through), each on its own
// instance. With the shared ledger one instance works it and the other
// drops its copy; without, both work it.
func TestNextAttemptSentTwiceIsWorkedOnce(t *testing.T) {
	for _, tc := range []struct {
		name         string
		bucket       string
		wantOutcomes int
	}{
		{"shared ledger", "ledger-bucket", 1},
		{"each instance its own", "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newLedgerFixture(t, tc.bucket)
			body, err := request.Seal(request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-prod-1"},
				Attempt: 2, Origin: "evt-1"}, []byte(testRequestKey))
			if err != nil {
				t.Fatal(err)
			}
			other := handler.New(f.cfg, f.deps)
			var wg sync.WaitGroup
			for i, h := range []*handler.Handler{f.h, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ev := mnsEvent(fmt.Sprintf("copy-%d", i), string(body))
					if _, err := h.Handle(context.Background(), f.inv, []byte(ev)); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			outs := f.outcomes(t)
			if len(outs) != tc.wantOutcomes {
				t.Fatalf("%d outcomes %+v, want %d", len(outs), outs, tc.wantOutcomes)
			}
			if got := f.shared("m-prod-1"); len(got) != 12 {
				t.Errorf("shared with %d accounts, want 12", len(got))
			}
		})
	}
}

func TestConfigCautions(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // substrings, one per caution
	}{
		{"no work queue: nothing to defer", map[string]string{}, nil},
		{"work queue without a key", map[string]string{"WORK_QUEUE": "w"}, []string{"REQUEST_KEY is not"}},
		{"work queue and key, no ledger", map[string]string{"WORK_QUEUE": "w", "REQUEST_KEY": testRequestKey}, []string{"LEDGER_BUCKET is not set"}},
		{"all set", map[string]string{"WORK_QUEUE": "w", "REQUEST_KEY": testRequestKey, "LEDGER_BUCKET": "b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := handler.ConfigFromEnv(func(k string) string {
				if k == "OUTCOME_QUEUE" {
					return "q"
				}
				return tc.env[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Cautions()
			if len(got) != len(tc.want) {
				t.Fatalf("cautions %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("caution %q does not say %q", got[i], w)
				}
			}
		})
	}
}
