package handler_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// TestOneBatchSeveralRequestsOnOneImage (a): a work-queue batch holding a
// reconcile, a share and an unshare of the same image. They are worked one
// after the other in the order they arrived, so every outcome is true: the
// reconcile shares with the policy's accounts, the share adds its account,
// the unshare removes it again, and no read-back sees a half-made change of
// another request (no VerificationFailed).
func TestOneBatchSeveralRequestsOnOneImage(t *testing.T) {
	const extra = "4000000000000001"
	for run := range 3 { // racing requests showed up one run in three or more
		f := newFixture(t)
		payload := "[" + strings.Join([]string{
			mnsEventObject("r", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`),
			mnsEventObject("s", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-prod-1","accounts":["`+extra+`"]}`),
			mnsEventObject("u", `{"action":"unshare","regionId":"cn-hangzhou","imageId":"m-prod-1","accounts":["`+extra+`"]}`),
		}, ",") + "]"
		outs := f.mustHandle(payload)
		if len(outs) != 3 {
			t.Fatalf("run %d: %d outcomes, want 3", run, len(outs))
		}
		by := map[string]outcome.Outcome{}
		for _, o := range outs {
			by[o.Trigger.EventID] = o
			for _, fl := range o.Failures {
				if fl.Code == outcome.VerificationFailed {
					t.Errorf("run %d: %s outcome has VerificationFailed for %s", run, o.Action, fl.Account)
				}
			}
		}
		if o := by["ev-r"]; o.Status != outcome.Succeeded || !slices.Equal(o.Added, prodAccounts()) {
			t.Errorf("run %d: reconcile %s added %v", run, o.Status, o.Added)
		}
		if o := by["ev-s"]; o.Status != outcome.Succeeded || !slices.Equal(o.Added, []string{extra}) {
			t.Errorf("run %d: share %s added %v, want %s", run, o.Status, o.Added, extra)
		}
		if o := by["ev-u"]; o.Status != outcome.Succeeded || !slices.Equal(o.Removed, []string{extra}) {
			t.Errorf("run %d: unshare %s removed %v, want %s (it ran before the share?)", run, o.Status, o.Removed, extra)
		}
		if got := f.shared("m-prod-1"); !slices.Equal(got, prodAccounts()) {
			t.Errorf("run %d: shared with %v at the end, want the prod accounts only", run, got)
		}
	}
}

// sevenMinuteWorld is testWorld with an image that is Creating for seven
// minutes (written as a new user would, status Creating) and a work queue
// with the given visibility timeout.
func sevenMinuteWorld(visibility time.Duration, status string) *world.World {
	w := testWorld()
	for i := range w.Queues {
		if w.Queues[i].Name == "work" {
			w.Queues[i].VisibilityTimeout = world.Duration(visibility)
		}
	}
	im := world.Image{ID: "m-seven", Region: w.Region, Owner: w.Owner, Status: status, Encryption: "none",
		Tags: map[string]string{"env": "prod"}}
	if status == "Creating" {
		im.AvailableAfter = world.Duration(7 * time.Minute)
	}
	w.Images = append(w.Images, im)
	return w
}

// reading is how the EventBridge MNS source treats a delivered batch; which
// one the service follows is not documented, and the function must be safe
// under both.
type reading int

const (
	// deleteAfter: the batch is deleted once the function returned
	// successfully; until then the message is only hidden for the queue's
	// visibility timeout (the emulated source's behaviour).
	deleteAfter reading = iota
	// deleteBefore: the batch is deleted as soon as it was received.
	deleteBefore
)

// drainWork delivers the work queue to the fixture's handlers as the
// EventBridge MNS source would, fast-forwarding the emulated clock over
// delays, until the queue is empty. With dup, every batch is delivered
// twice: to every handler at once under deleteAfter (a redelivery while the
// first is still being worked), one after the other under deleteBefore (a
// retried invocation).
func drainWork(t *testing.T, f *fixture, hs []*handler.Handler, r reading, dup bool) {
	t.Helper()
	w := f.emu.World
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: f.emu.URL(), AccountID: w.Owner, Region: w.Region,
		AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: w.Owner, Region: w.Region}
	invoke := func(h *handler.Handler, payload []byte) {
		if _, err := h.Handle(context.Background(), f.inv, payload); err != nil {
			t.Errorf("invocation failed: %v", err)
		}
	}
	for range 500 {
		b, err := src.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			next, ok := f.emu.MNS.NextVisible("work")
			if !ok {
				return
			}
			f.emu.Advance(max(next.Sub(f.emu.Clock.Now()), time.Millisecond))
			continue
		}
		if r == deleteBefore {
			_ = src.Ack(b)
		}
		copies := 1
		if dup {
			copies = 2
		}
		switch {
		case r == deleteAfter && dup:
			var wg sync.WaitGroup
			for i := range copies {
				wg.Go(func() { invoke(hs[i%len(hs)], b.Payload) })
			}
			wg.Wait()
		default:
			for i := range copies {
				invoke(hs[i%len(hs)], b.Payload)
			}
		}
		if r == deleteAfter {
			_ = src.Ack(b) // fails when the visibility timeout passed: the message comes back
		}
	}
	t.Fatal("the work queue never emptied")
}

// ecsCalls is every ECS call the emulator answered.
func (f *fixture) ecsCalls() int {
	c := f.emu.Faults.Counts()
	return c["DescribeImages"] + c["DescribeImageSharePermission"] + c["ModifyImageSharePermission"]
}

// imageOutcomes are the outcomes published for an image.
func (f *fixture) imageOutcomes(t *testing.T, image string) []outcome.Outcome {
	t.Helper()
	var outs []outcome.Outcome
	for _, o := range f.outcomes(t) {
		if o.ImageID == image {
			outs = append(outs, o)
		}
	}
	return outs
}

// perAttempt counts outcomes by attempt.
func perAttempt(outs []outcome.Outcome) map[int]int {
	n := map[int]int{}
	for _, o := range outs {
		n[o.Attempt]++
	}
	return n
}

// TestSevenMinuteImageAtDefaultVisibility (b): the work queue at MNS's
// default visibility timeout (30 s, shorter than WAIT_READY_SECONDS) and an
// image Creating for 7 minutes. The function waits no longer than the queue
// lets it hold a message, so no message comes back while it is worked: the
// image ends shared, with at most one outcome per attempt, and no more ECS
// calls than with a 660 s visibility timeout plus a small constant.
// Reading: deleteAfter (the one under which holding too long duplicates).
func TestSevenMinuteImageAtDefaultVisibility(t *testing.T) {
	calls := map[time.Duration]int{}
	for _, vis := range []time.Duration{660 * time.Second, 30 * time.Second} {
		f := newFixtureIn(t, sevenMinuteWorld(vis, "Creating"), func(c *handler.Config, _ *handler.Deps) {
			c.DeferAttempts = 13
		})
		ev := strings.ReplaceAll(readEvent(t, "actiontrail-createimage.json"), "m-golden-001", "m-seven")
		f.mustHandle(ev)
		drainWork(t, f, []*handler.Handler{f.h}, deleteAfter, false)

		if got := f.shared("m-seven"); !slices.Equal(got, prodAccounts()) {
			t.Errorf("visibility %s: shared with %v, want the prod accounts", vis, got)
		}
		outs := f.imageOutcomes(t, "m-seven")
		for attempt, n := range perAttempt(outs) {
			if n > 1 {
				t.Errorf("visibility %s: %d outcomes for attempt %d, want at most one", vis, n, attempt)
			}
		}
		if last := outs[len(outs)-1]; last.Status != outcome.Succeeded {
			t.Errorf("visibility %s: last outcome %s, want succeeded", vis, last.Status)
		}
		calls[vis] = f.ecsCalls()
		t.Logf("visibility %s: %d outcomes, %d ECS calls", vis, len(outs), calls[vis])
	}
	const slack = 4
	if calls[30*time.Second] > calls[660*time.Second]+slack {
		t.Errorf("%d ECS calls at 30 s visibility, above the %d at 660 s plus %d", calls[30*time.Second], calls[660*time.Second], slack)
	}
}

// TestNeverReadyImageEveryDeliveryDuplicated (c): an image that never
// becomes ready, and every work-queue delivery duplicated. Outcomes and ECS
// calls stay within the attempt budget: one outcome per attempt and the
// same calls as without duplicates, on one instance; on two instances that
// both get every delivery, at most one chain per instance.
func TestNeverReadyImageEveryDeliveryDuplicated(t *testing.T) {
	const attempts = 6
	run := func(t *testing.T, r reading, dup bool, instances int) (outs []outcome.Outcome, calls int) {
		f := newFixtureIn(t, sevenMinuteWorld(660*time.Second, "Waiting"), func(c *handler.Config, _ *handler.Deps) {
			c.DeferAttempts = attempts
		})
		hs := []*handler.Handler{f.h}
		for len(hs) < instances {
			hs = append(hs, handler.New(f.cfg, f.deps))
		}
		ev := strings.ReplaceAll(readEvent(t, "actiontrail-createimage.json"), "m-golden-001", "m-seven")
		copies := 1
		if dup {
			copies = 2
		}
		for i := range copies {
			if _, err := hs[i%len(hs)].Handle(context.Background(), f.inv, []byte(ev)); err != nil {
				t.Fatal(err)
			}
		}
		drainWork(t, f, hs, r, dup)
		return f.imageOutcomes(t, "m-seven"), f.ecsCalls()
	}
	base, baseCalls := run(t, deleteAfter, false, 1)
	if len(base) != attempts || base[len(base)-1].Status != outcome.Failed || base[len(base)-1].Error.Code != outcome.ImageNotReady {
		t.Fatalf("without duplicates: %d outcomes, last %+v; want %d ending in ImageNotReady", len(base), base[len(base)-1], attempts)
	}
	for _, tt := range []struct {
		name      string
		r         reading
		instances int
	}{
		{"delete after return, one instance", deleteAfter, 1},
		{"delete before invoking, one instance", deleteBefore, 1},
		{"delete after return, two instances", deleteAfter, 2},
		{"delete before invoking, two instances", deleteBefore, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			outs, calls := run(t, tt.r, true, tt.instances)
			for attempt, n := range perAttempt(outs) {
				if attempt < 1 || attempt > attempts || n > tt.instances {
					t.Errorf("%d outcomes for attempt %d, want at most %d (attempts 1..%d)", n, attempt, tt.instances, attempts)
				}
			}
			if calls > tt.instances*baseCalls {
				t.Errorf("%d ECS calls, above %d instance(s) × %d without duplicates", calls, tt.instances, baseCalls)
			}
			t.Logf("%d outcomes, %d ECS calls (without duplicates: %d, %d)", len(outs), calls, len(base), baseCalls)
		})
	}
}

func TestCheckWorkQueue(t *testing.T) {
	tests := []struct {
		visibility, wait, hold time.Duration
		problem, broken        bool
	}{
		{660 * time.Second, 60 * time.Second, 495 * time.Second, false, false},
		{80 * time.Second, 60 * time.Second, 60 * time.Second, false, false},
		{30 * time.Second, 60 * time.Second, 22500 * time.Millisecond, true, false},
		{30 * time.Second, 0, 22500 * time.Millisecond, false, false},
		{15 * time.Second, 60 * time.Second, 10 * time.Second, true, false},
		{14 * time.Second, 60 * time.Second, 9 * time.Second, true, true},
		{time.Second, 0, 0, true, true},
	}
	for _, tt := range tests {
		c := handler.CheckWorkQueue(tt.visibility, tt.wait)
		if c.Hold != tt.hold || (c.Problem != "") != tt.problem || c.Broken != tt.broken {
			t.Errorf("CheckWorkQueue(%s, %s) = %+v, want hold %s problem %v broken %v", tt.visibility, tt.wait, c, tt.hold, tt.problem, tt.broken)
		}
	}
}

// TestWorkQueueReadOncePerInstance: the visibility timeout is read with
// GetQueueAttributes by the first invocation that carries work-queue
// messages, not again, and a queue that cannot work is logged as an error.
func TestWorkQueueReadOncePerInstance(t *testing.T) {
	var logs syncBuffer
	f := newFixtureIn(t, sevenMinuteWorld(12*time.Second, "Available"), func(_ *handler.Config, d *handler.Deps) {
		d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`) // direct: no queue read
	if n := f.emu.Faults.Counts()["GetQueueAttributes"]; n != 0 {
		t.Fatalf("%d GetQueueAttributes for a direct invocation", n)
	}
	for _, id := range []string{"a", "b", "c"} {
		f.mustHandle(mnsEvent(id, `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-seven"}`))
	}
	if n := f.emu.Faults.Counts()["GetQueueAttributes"]; n != 1 {
		t.Errorf("%d GetQueueAttributes calls, want 1 per instance", n)
	}
	if s := logs.String(); !strings.Contains(s, `"level":"ERROR"`) || !strings.Contains(s, "handed out again while still being worked") {
		t.Errorf("no error log for a 12 s visibility timeout:\n%s", s)
	}
}

// syncBuffer is a bytes.Buffer safe for the handler's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFannedOutSweepLeavesNotReadyImagesAlone: a sweep's fanned-out request
// follows the inline sweep's rule for an image being created: no wait, no
// deferral, no outcome (its creation event has a chain of its own); the
// ready image of the same request is reconciled.
func TestFannedOutSweepLeavesNotReadyImagesAlone(t *testing.T) {
	f := newFixture(t)
	body, err := request.Seal(request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-creating-2", "m-prod-1"},
		CorrelationID: "sweep@t", Origin: "sweep@t", Sweep: true, Attempt: 1}, []byte(testRequestKey))
	if err != nil {
		t.Fatal(err)
	}
	start := f.emu.Clock.Now()
	outs := f.mustHandle(mnsEvent("sw", string(body)))
	if len(outs) != 1 || outs[0].ImageID != "m-prod-1" || outs[0].Status != outcome.Succeeded {
		t.Fatalf("outcomes %+v, want only m-prod-1 succeeded", outs)
	}
	if n := len(f.emu.MNS.Messages("work")); n != 0 {
		t.Errorf("%d messages queued: a sweep deferred the Creating image", n)
	}
	if waited := f.emu.Clock.Now().Sub(start); waited > 0 {
		t.Errorf("waited %s for the Creating image", waited)
	}
}

// TestRedeliveryAfterFailedPublishQueuesNoSecondAttempt: the invocation
// queued the next attempt of a Creating image, then could not publish the
// outcome and failed; its redelivery publishes the outcome but does not
// queue the next attempt again (that would be a second chain).
func TestRedeliveryAfterFailedPublishQueuesNoSecondAttempt(t *testing.T) {
	f := newFixture(t)
	f.emu.Faults.Add(world.Fault{API: "SendMessage", Queue: "outcomes", Code: "InternalError", Times: 5})
	req := `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2"}`
	if outs, err := f.handle(req); err == nil || len(outs) != 0 {
		t.Fatalf("first delivery: %d outcomes, err %v; want the publish to fail", len(outs), err)
	}
	outs := f.mustHandle(req)
	if len(outs) != 1 || outs[0].Status != outcome.Deferred {
		t.Fatalf("redelivery: %+v, want the deferred outcome", outs)
	}
	if n := len(f.emu.MNS.Messages("work")); n != 1 {
		t.Errorf("%d next attempts queued, want 1", n)
	}
}

// TestRedeliveryAfterDeferralLeavesTheWorkToTheNextAttempt: an attempt that
// was deferred (its next attempt queued) and is delivered again after the
// image became ready publishes the same deferred outcome and changes
// nothing; the queued attempt does the work. Working it again would publish
// "succeeded" under the id already published as "deferred".
func TestRedeliveryAfterDeferralLeavesTheWorkToTheNextAttempt(t *testing.T) {
	f := newFixture(t)
	f.emu.Faults.Add(world.Fault{API: "SendMessage", Queue: "outcomes", Code: "InternalError", Times: 5})
	ev := mnsEvent("msg-1", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2"}`)
	if _, err := f.handle(ev); err == nil {
		t.Fatal("first delivery succeeded; want the outcome's publish to fail")
	}
	f.emu.Advance(5 * time.Minute) // m-creating-2 is Available now
	outs := f.mustHandle(ev)
	if len(outs) != 1 || outs[0].Status != outcome.Deferred || outs[0].Attempt != 1 {
		t.Fatalf("redelivery: %+v, want attempt 1 deferred again", outs)
	}
	if shared := f.emu.ECS.SharedWith("m-creating-2"); len(shared) != 0 {
		t.Errorf("the redelivery shared the image with %v; the queued attempt must do it", shared)
	}
	queued := f.emu.MNS.Messages("work")
	if len(queued) != 1 {
		t.Fatalf("%d next attempts queued, want 1", len(queued))
	}
	outs = f.mustHandle(mnsEvent("msg-2", queued[0].Body))
	if len(outs) != 1 || outs[0].Status != outcome.Succeeded || outs[0].Attempt != 2 {
		t.Fatalf("queued attempt: %+v, want attempt 2 succeeded", outs)
	}
}
