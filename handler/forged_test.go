package handler_test

import (
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// TestForgedOriginAndAttemptAreIgnored: origin and attempt choose the outcome
// id and whether an image is still deferred; only the function may set them.
// A queue writer who sets them, with no seal or another key's seal, gets a
// fresh request's treatment.
func TestForgedOriginAndAttemptAreIgnored(t *testing.T) {
	victim := "evt-genuine-createimage"
	otherKey := []byte(strings.Repeat("z", request.MinKeyBytes))
	sealedElsewhere, err := request.Seal(request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou",
		ImageIDs: []string{"m-creating-2"}, Attempt: 3, Origin: victim}, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
	}{
		{"no seal", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2","attempt":3,"origin":"` + victim + `"}`},
		{"sealed with another key", string(sealedElsewhere)},
		{"a seal copied onto changed fields", func() string {
			genuine, err := request.Seal(request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou",
				ImageIDs: []string{"m-creating-2"}, Attempt: 1, Origin: "evt-mine"}, []byte(testRequestKey))
			if err != nil {
				t.Fatal(err)
			}
			return strings.NewReplacer(`"attempt":1`, `"attempt":3`, "evt-mine", victim).Replace(string(genuine))
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t) // DEFER_ATTEMPTS=3: a trusted attempt 3 would be final
			outs := f.mustHandle(mnsEvent("msg-forged", tt.body))
			if len(outs) != 1 {
				t.Fatalf("%d outcomes", len(outs))
			}
			o := outs[0]
			for n := 1; n <= 3; n++ {
				if o.OutcomeID == outcome.ID(victim, "m-creating-2", n) {
					t.Fatalf("the forged origin chose the outcome id (attempt %d)", n)
				}
			}
			if o.Attempt != 1 || o.Status != outcome.Deferred {
				t.Fatalf("attempt %d, status %s: want a fresh request, deferred", o.Attempt, o.Status)
			}
			// Its deferral is the function's own: sealed, attempt 2.
			work := f.emu.MNS.Messages("work")
			if len(work) != 1 {
				t.Fatalf("%d deferrals", len(work))
			}
			r, err := request.Parse([]byte(work[0].Body))
			if err != nil || !r.Authentic([]byte(testRequestKey)) || r.Attempt != 2 || r.Origin == victim {
				t.Fatalf("deferral %s (err %v)", work[0].Body, err)
			}
		})
	}
}

// TestWithoutRequestKeyNothingIsDeferred: with no key the function cannot
// trust an attempt count, so a chain of deferrals could never end; it reports
// ImageNotReady at once, saying why, and still ignores forged fields.
func TestWithoutRequestKeyNothingIsDeferred(t *testing.T) {
	f := newFixture(t, func(c *handler.Config, _ *handler.Deps) { c.RequestKey = nil })
	outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2","origin":"evt-x","attempt":2}`)
	if len(outs) != 1 || outs[0].Status != outcome.Failed || outs[0].Error.Code != outcome.ImageNotReady || outs[0].Attempt != 1 {
		t.Fatalf("outcomes %+v", outs)
	}
	if !strings.Contains(outs[0].Error.Message, "no REQUEST_KEY") {
		t.Errorf("message %q does not say why", outs[0].Error.Message)
	}
	if n := len(f.emu.MNS.Messages("work")); n != 0 {
		t.Errorf("%d messages deferred without a key", n)
	}
}

func TestRequestKeyConfiguration(t *testing.T) {
	base := map[string]string{"OUTCOME_QUEUE": "o"}
	tests := []struct {
		name, key string
		ok        bool
	}{
		{"absent", "", true},
		{"32 bytes", strings.Repeat("k", 32), true},
		{"too short", "short-secret-key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"REQUEST_KEY": tt.key}
			for k, v := range base {
				env[k] = v
			}
			cfg, err := handler.ConfigFromEnv(func(k string) string { return env[k] })
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), tt.key) {
				t.Errorf("the error quotes the key: %v", err)
			}
			if tt.ok && string(cfg.RequestKey) != tt.key {
				t.Errorf("key %q", cfg.RequestKey)
			}
		})
	}
}
