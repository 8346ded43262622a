package main

// The function end to end: the compiled binary under the emulator's fake
// Function Compute runtime API, every trigger kind, outcomes read from the
// emulated outcome queue and share lists from the emulated ECS.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/fcrt"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/outcome"
)

type function struct {
	t    *testing.T
	emu  *emulator.Server
	proc *fcrt.Process
	w    *world.World
}

// startFunction builds the deployed binary (cmd/function), starts the emulator on the demo world and
// runs the binary against the emulator's runtime API. env entries override
// the defaults (the last of two entries for one variable wins).
func startFunction(t *testing.T, env ...string) *function {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH: cannot build the function")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "main")
	build := exec.Command("go", "build", "-o", bin, "./cmd/function") // what s.yaml deploys
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	w, err := world.Load("testdata/world/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w.Credentials.SecurityToken = "STS-TOKEN-FROM-FC" // what a role's credentials carry
	emu, err := emulator.Listen(emulator.New(w, emulator.Options{}), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proc, err := fcrt.StartProcess(context.Background(), bin, emu.Addr, append([]string{
		"POLICY_FILE=" + filepath.Join("testdata", "demo", "policy.yaml"),
		"OUTCOME_QUEUE=image-share-outcomes",
		"OUTCOME_TOPIC=image-share-outcomes",
		"WORK_QUEUE=image-share-work",
		"REQUEST_KEY=function-test-request-key-0123456789abcdef",
		"MNS_ENDPOINT=" + emu.URL(),
		"ECS_ENDPOINT=" + emu.URL(),
		"RM_ENDPOINT=" + emu.URL(),
		"WAIT_READY_SECONDS=0",
		"LOG_LEVEL=DEBUG",
	}, env...))
	if err != nil {
		t.Fatal(err)
	}
	f := &function{t: t, emu: emu, proc: proc, w: w}
	t.Cleanup(func() {
		proc.Stop() // first: the SDK spins on an unreachable runtime API
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = emu.Shutdown(ctx)
		if t.Failed() {
			t.Logf("function stderr:\n%s", proc.Stderr())
		}
		if strings.Contains(proc.Stderr(), "local-test-secret") || strings.Contains(proc.Stderr(), "STS-TOKEN-FROM-FC") {
			t.Error("a secret appeared in the function's logs")
		}
	})
	return f
}

// invoke sends one payload and returns the outcomes it published.
func (f *function) invoke(payload string) ([]outcome.Outcome, fcrt.Result) {
	f.t.Helper()
	before := len(f.emu.MNS.Messages("image-share-outcomes"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := f.emu.Runtime.Invoke(ctx, fcrt.Invocation{
		Payload:     []byte(payload),
		Timeout:     30 * time.Second,
		Credentials: fcrt.Credentials(f.w.Credentials),
		AccountID:   f.w.Owner,
		Region:      f.w.Region,
	})
	if err != nil {
		f.t.Fatalf("Invoke: %v", err)
	}
	var outs []outcome.Outcome
	for _, m := range f.emu.MNS.Messages("image-share-outcomes")[before:] {
		if strings.Contains(m.Body, `"outcomeId"`) {
			var o outcome.Outcome
			if err := json.Unmarshal([]byte(m.Body), &o); err != nil {
				f.t.Fatal(err)
			}
			outs = append(outs, o)
		}
	}
	return outs, res
}

func (f *function) mustInvoke(payload string) []outcome.Outcome {
	f.t.Helper()
	outs, res := f.invoke(payload)
	if res.Error != nil {
		f.t.Fatalf("invocation failed: %+v", res.Error)
	}
	return outs
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFunctionEveryTrigger(t *testing.T) {
	f := startFunction(t)
	modify := func() int { return f.emu.Faults.Counts()["ModifyImageSharePermission"] }

	// ActionTrail: a new image, shared with twelve accounts in two calls.
	ev := readFile(t, "testdata/demo/events/01-actiontrail-createimage-golden.json")
	outs := f.mustInvoke(ev)
	if len(outs) != 1 || outs[0].Status != outcome.Succeeded || len(outs[0].Added) != 12 || modify() != 2 {
		t.Fatalf("actiontrail: %+v, %d Modify calls", outs, modify())
	}
	if got := f.emu.ECS.SharedWith("m-golden-001"); len(got) != 12 {
		t.Fatalf("m-golden-001 shared with %v", got)
	}
	// The outcome went to the topic too.
	if n := len(f.emu.MNS.Published("image-share-outcomes")); n != 1 {
		t.Fatalf("%d messages on the outcome topic, want 1", n)
	}
	// A second delivery to the same instance: dropped as a duplicate, no
	// call, no second outcome.
	again := f.mustInvoke(ev)
	if len(again) != 0 || modify() != 2 {
		t.Fatalf("redelivery: %+v, %d Modify calls", again, modify())
	}

	// ActionTrail for a Creating image: deferred to the work queue, then
	// delivered from it by the EventBridge MNS source once visible.
	outs = f.mustInvoke(readFile(t, "testdata/demo/events/02-actiontrail-createimage-creating.json"))
	if len(outs) != 1 || outs[0].Status != outcome.Deferred {
		t.Fatalf("creating: %+v", outs)
	}
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: f.emu.URL(), AccountID: f.w.Owner, Region: f.w.Region,
		AccessKeyID: f.w.Credentials.AccessKeyID, AccessKeySecret: f.w.Credentials.AccessKeySecret, SecurityToken: f.w.Credentials.SecurityToken})
	if err != nil {
		t.Fatal(err)
	}
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("image-share-work", mc), QueueName: "image-share-work", AccountID: f.w.Owner, Region: f.w.Region}
	for range 10 {
		next, ok := f.emu.MNS.NextVisible("image-share-work")
		if !ok {
			break
		}
		f.emu.Advance(max(next.Sub(f.emu.Clock.Now()), time.Millisecond))
		b, err := src.Receive()
		if err != nil || b == nil {
			t.Fatalf("receive: %v %v", b, err)
		}
		outs = f.mustInvoke(string(b.Payload))
		if err := src.Ack(b); err != nil {
			t.Fatal(err)
		}
	}
	if len(outs) != 1 || outs[0].ImageID != "m-creating-002" || outs[0].Status != outcome.Succeeded || outs[0].Trigger.Type != "mns-queue" {
		t.Fatalf("deferred image: %+v", outs)
	}
	if got := f.emu.ECS.SharedWith("m-creating-002"); len(got) != 12 {
		t.Fatalf("m-creating-002 shared with %v", got)
	}

	// MNS topic trigger, JSON format.
	topic := `{"TopicOwner":"1000000000000001","Message":"{\"action\":\"share\",\"regionId\":\"cn-hangzhou\",\"imageId\":\"m-partner-005\",\"accounts\":[\"partners\",\"9999999999999999\"]}","Subscriber":"1000000000000001","PublishTime":1550216302888,"SubscriptionName":"fn","MessageMD5":"X","TopicName":"requests","MessageId":"TOPIC-MSG-1"}`
	outs = f.mustInvoke(topic)
	if len(outs) != 1 || outs[0].Trigger.Type != "mns-topic" || !slices.Equal(outs[0].Added, []string{"3000000000000001"}) ||
		len(outs[0].Failures) != 1 || outs[0].Failures[0].Code != outcome.PolicyDenied {
		t.Fatalf("topic: %+v", outs)
	}

	// Direct invocation, with an account that does not exist.
	outs = f.mustInvoke(readFile(t, "testdata/demo/events/04-direct-share-unknown-account.json"))
	if len(outs) != 1 || outs[0].Trigger.Type != "direct" || outs[0].Status != outcome.Partial {
		t.Fatalf("direct: %+v", outs)
	}

	// Timer: the sweep prunes the stale share and sums up.
	outs = f.mustInvoke(readFile(t, "testdata/demo/events/06-timer-sweep.json"))
	var summary *outcome.Outcome
	for i := range outs {
		if outs[i].Action == outcome.ActionSweep {
			summary = &outs[i]
		}
	}
	// Seven images in cn-hangzhou; none yet in the copyTo regions (the sweep
	// makes the copies it finds missing, and counts what it found).
	if summary == nil || summary.Counts[outcome.CountImages] != 7 {
		t.Fatalf("timer: no sweep summary in %+v", outs)
	}
	if got := f.emu.ECS.SharedWith("m-staging-004"); slices.Contains(got, "2000000000000001") {
		t.Fatalf("the sweep did not prune m-staging-004: %v", got)
	}

	// An undecodable payload: an InvalidEvent outcome, and the invocation
	// still succeeds (the outcome was published).
	outs = f.mustInvoke(`this is not an event`)
	if len(outs) != 1 || outs[0].Error == nil || outs[0].Error.Code != outcome.InvalidEvent {
		t.Fatalf("garbage: %+v", outs)
	}
}

func TestFunctionFailsWhenOutcomeCannotBePublished(t *testing.T) {
	f := startFunction(t)
	f.emu.Faults.Add(world.Fault{API: "SendMessage", Code: "AccessDenied", Times: 100})
	_, res := f.invoke(readFile(t, "testdata/demo/events/01-actiontrail-createimage-golden.json"))
	if res.Error == nil || !strings.Contains(res.Error.ErrorMessage, "AccessDenied") {
		t.Fatalf("invocation result %+v, want an error naming AccessDenied", res)
	}
}

// TestUnusableSetupFailsFirstInvocation: the policy loads in the background
// and the MNS client is built only when an outcome is to be sent (cold
// start), yet a bad policy or configuration still fails the very first
// invocation, even one carrying only an event the function ignores.
func TestUnusableSetupFailsFirstInvocation(t *testing.T) {
	ignored, err := os.ReadFile(filepath.Join("testdata", "events", "actiontrail-other-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nrulez: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		env  string
		want string
	}{
		{"bad policy", "POLICY_FILE=" + bad, "rulez"},
		{"missing policy", "POLICY_FILE=" + bad + ".missing", "missing"},
		{"bad configuration", "ECS_API_CALLS_PER_SECOND=DescribeImage=5", "ECS_API_CALLS_PER_SECOND"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFunction(t, tt.env)
			_, res := f.invoke(string(ignored))
			if res.Error == nil || !strings.Contains(res.Error.ErrorMessage, tt.want) {
				t.Fatalf("first invocation: error %+v, want one mentioning %q", res.Error, tt.want)
			}
		})
	}
}

// TestCautionsAreLogged: a configuration that works but was most likely not
// meant (here: no ledger bucket) is said once, at start, in the log.
func TestCautionsAreLogged(t *testing.T) {
	ignored, err := os.ReadFile(filepath.Join("testdata", "events", "actiontrail-other-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := startFunction(t)
	if _, res := f.invoke(string(ignored)); res.Error != nil {
		t.Fatalf("invocation failed: %+v", res.Error)
	}
	if log := f.proc.Stderr(); !strings.Contains(log, "LEDGER_BUCKET is not set") || !strings.Contains(log, `"level":"WARN"`) {
		t.Errorf("no WARN about the missing ledger bucket in the log:\n%s", log)
	}
}
