package publish_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/publish"
)

func setup(t *testing.T, faults ...world.Fault) (*emulator.Server, publish.Config) {
	t.Helper()
	w, err := world.Parse("w", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [outcomes, work, {name: small, maximumMessageSize: 1024}]
topics: [events]
`))
	if err != nil {
		t.Fatal(err)
	}
	w.Faults = faults
	srv := emulatortest.Serve(t, w)
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region,
		AccessKeyID: "AK", AccessKeySecret: "SK", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, publish.Config{Client: mc, OutcomeQueue: "outcomes", OutcomeTopic: "events", WorkQueue: "work",
		Sleep: func(context.Context, time.Duration) error { return nil }}
}

func sample() *outcome.Outcome {
	return &outcome.Outcome{SchemaVersion: 1, OutcomeID: "0123456789abcdef0123456789abcdef", Action: "reconcile",
		Status: outcome.Succeeded, ImageID: "m-1", Added: []string{"2000000000000001"}, Attempt: 1}
}

func TestPublishToQueueAndTopicWithPriority(t *testing.T) {
	srv, cfg := setup(t)
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	q := srv.MNS.Messages("outcomes")
	if len(q) != 1 || q[0].Priority != publish.DefaultPriority {
		t.Fatalf("queue %+v", q)
	}
	var got outcome.Outcome
	if err := json.Unmarshal([]byte(q[0].Body), &got); err != nil || got.OutcomeID != sample().OutcomeID {
		t.Fatalf("body %s (%v)", q[0].Body, err)
	}
	if tp := srv.MNS.Published("events"); len(tp) != 1 || tp[0].Tag != "succeeded" || tp[0].Body != q[0].Body {
		t.Fatalf("topic %+v", tp)
	}
}

func TestPublishRetriesTransientFailures(t *testing.T) {
	srv, cfg := setup(t,
		world.Fault{API: "SendMessage", Code: "InternalError", Times: 2},
		world.Fault{API: "PublishMessage", Code: world.FaultTimeout, Times: 1},
		world.Fault{API: "PublishMessage", Code: "QpsLimitExceeded", Times: 1},
	)
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(context.Background(), sample()); err != nil {
		t.Fatalf("Publish after transient faults: %v", err)
	}
	if len(srv.MNS.Messages("outcomes")) != 1 || len(srv.MNS.Published("events")) != 1 {
		t.Fatal("outcome not delivered once to each destination")
	}
	if c := srv.Faults.Counts(); c["SendMessage"] != 3 || c["PublishMessage"] != 3 {
		t.Fatalf("counts %v, want 3 sends and 3 publishes", c)
	}
}

func TestPublishGivesUpOnPermanentFailure(t *testing.T) {
	srv, cfg := setup(t)
	cfg.OutcomeQueue = "no-such-queue"
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Publish(context.Background(), sample())
	if err == nil || !strings.Contains(err.Error(), "no-such-queue") {
		t.Fatalf("error %v", err)
	}
	if c := srv.Faults.Counts(); c["SendMessage"] != 1 {
		t.Fatalf("a permanent failure was retried: %v", c)
	}
	if len(srv.MNS.Published("events")) != 1 {
		t.Fatal("the topic did not get the outcome though only the queue failed")
	}
}

func TestOversizeOutcomeIsTruncatedOrRefused(t *testing.T) {
	srv, cfg := setup(t)
	cfg.OutcomeTopic, cfg.MaxBodyBytes = "", 2048
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := sample()
	o.Because = map[string][]string{}
	for i := range 40 {
		o.Because[strings.Repeat("9", 15)+string(rune('a'+i%26))] = []string{strings.Repeat("rule/group ", 5)}
	}
	o.Failures = []*outcome.Error{{Code: outcome.Internal, Message: strings.Repeat("x", 4096)}}
	if err := p.Publish(context.Background(), o); err != nil {
		t.Fatalf("oversize outcome refused instead of truncated: %v", err)
	}
	msgs := srv.MNS.Messages("outcomes")
	if len(msgs) != 1 || len(msgs[0].Body) > 2048 || !strings.Contains(msgs[0].Body, `"truncated":{`) {
		t.Fatalf("published %d messages: %+v", len(msgs), msgs)
	}
	// A limit below what an outcome with empty lists needs cannot be met.
	cfg.MaxBodyBytes = 200
	if p, err = publish.New(cfg); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(context.Background(), o); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("outcome over a tiny limit: %v", err)
	}
}

func TestDeferAndFanOut(t *testing.T) {
	srv, cfg := setup(t)
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := p.Defer(ctx, []byte(`{"a":1}`), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for range 20 {
		bodies = append(bodies, []byte(`{"b":1}`))
	}
	if err := p.FanOut(ctx, bodies); err != nil {
		t.Fatal(err)
	}
	msgs := srv.MNS.Messages("work")
	if len(msgs) != 21 || msgs[0].Visible || !msgs[1].Visible {
		t.Fatalf("work queue has %d messages, first visible %v", len(msgs), msgs[0].Visible)
	}
	if got := msgs[0].NextVisibleTime.Sub(msgs[0].EnqueueTime); got != 90*time.Second {
		t.Fatalf("delay %v, want 90s", got)
	}
	if c := srv.Faults.Counts(); c["BatchSendMessage"] != 2 {
		t.Fatalf("20 requests took %d batch sends, want 2", c["BatchSendMessage"])
	}
}

// TestFanOutKeepsBatchesUnder64KB: BatchSendMessage limits the whole batch
// to 64 KB, not only each message; the emulator refuses a larger batch as
// the service does, so the publisher must cut by size as well as by count.
func TestFanOutKeepsBatchesUnder64KB(t *testing.T) {
	srv, cfg := setup(t)
	// setup's 500 ms timeout is for the fault tests. Here a batch of 60 KB
	// that took longer on a loaded machine would be sent again (MNS delivery
	// is at least once, and the publisher retries a timed-out send), and
	// the count below would see the duplicates, not a batching mistake.
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: "1000000000000001", Region: "cn-hangzhou",
		AccessKeyID: "AK", AccessKeySecret: "SK", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client = mc
	p, err := publish.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for i := range 10 {
		// 20 KB each: 200 KB in all, 3 to a batch.
		bodies = append(bodies, []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 20*1024-20))))
	}
	if err := p.FanOut(context.Background(), bodies); err != nil {
		t.Fatal(err)
	}
	msgs := srv.MNS.Messages("work")
	if len(msgs) != 10 {
		t.Fatalf("work queue has %d messages, want 10", len(msgs))
	}
	for i, m := range msgs {
		if m.Body != string(bodies[i]) {
			t.Fatalf("message %d out of order or changed", i)
		}
	}
	if c := srv.Faults.Counts(); c["BatchSendMessage"] != 4 {
		t.Fatalf("%d batch sends, want 4 (3+3+3+1 messages of 20 KB)", c["BatchSendMessage"])
	}
}

func TestNewValidates(t *testing.T) {
	_, cfg := setup(t)
	for name, edit := range map[string]func(*publish.Config){
		"no client":      func(c *publish.Config) { c.Client = nil },
		"no destination": func(c *publish.Config) { c.OutcomeQueue, c.OutcomeTopic = "", "" },
		"priority 17":    func(c *publish.Config) { c.Priority = 17 },
	} {
		c := cfg
		edit(&c)
		if _, err := publish.New(c); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	c := cfg
	c.WorkQueue = ""
	p, err := publish.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if p.CanDefer() || p.Defer(context.Background(), []byte("x"), 0) != publish.ErrNoWorkQueue {
		t.Fatal("deferral without a work queue")
	}
}
