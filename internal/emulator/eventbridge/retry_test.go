package eventbridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

// retryEnv is an emulator with a work queue and a dead-letter queue, and a
// source on the work queue.
type retryEnv struct {
	srv  *emulator.Server
	mc   ali_mns.MNSClient
	src  *eventbridge.MNSSource
	peek *eventbridge.MNSSource // a second reader of the same queue
}

func newRetryEnv(t *testing.T, strategy, tolerance string, dlq bool) *retryEnv {
	t.Helper()
	w, err := world.Parse("w", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [{name: work, visibilityTimeout: 30s}, dlq]
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	e := &retryEnv{srv: srv, mc: mc}
	e.src = &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: w.Owner, Region: w.Region,
		BatchSize: 10, RetryStrategy: strategy, ErrorsTolerance: tolerance, Rand: rand.New(rand.NewPCG(1, 2))}
	if dlq {
		e.src.DeadLetter = ali_mns.NewMNSQueue("dlq", mc)
	}
	e.peek = &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: w.Owner, Region: w.Region}
	for _, b := range []string{`{"n":1}`, `{"n":2}`} {
		if err := srv.MNS.Send("work", b, 0); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// sleeper moves emulated time, records the waits, and checks that nobody
// else can receive the batch while EventBridge holds it for a retry.
func (e *retryEnv) sleeper(t *testing.T, waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		e.srv.Advance(d)
		if b, err := e.peek.Receive(); b != nil || err != nil {
			t.Errorf("a batch held for a retry was handed out again: %+v, %v", b, err)
		}
		return nil
	}
}

var errInvocation = errors.New("the function failed")

// TestSourceGivesUp: a batch that keeps failing is retried as its strategy
// says and then dead-lettered, dropped, or blocks the stream, as its fault
// tolerance says; never retried forever.
func TestSourceGivesUp(t *testing.T) {
	tests := []struct {
		name, strategy, tolerance string
		dlq                       bool
		attempts                  int
		waitOK                    func([]time.Duration) bool
		dead, dropped, blocked    bool
	}{
		{"backoff, tolerate, dead-letter", eventbridge.BackoffRetry, eventbridge.ToleranceAll, true, 4, backoffWaits, true, false, false},
		{"backoff, tolerate, no dead-letter queue", eventbridge.BackoffRetry, eventbridge.ToleranceAll, false, 4, backoffWaits, false, true, false},
		{"backoff, no tolerance", eventbridge.BackoffRetry, eventbridge.ToleranceNone, true, 4, backoffWaits, false, false, true},
		{"defaults: backoff, no tolerance", "", "", false, 4, backoffWaits, false, false, true},
		{"exponential decay, tolerate", eventbridge.ExponentialDecayRetry, eventbridge.ToleranceAll, true, 177, decayWaits, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRetryEnv(t, tt.strategy, tt.tolerance, tt.dlq)
			var waits []time.Duration
			calls := 0
			d, err := e.src.Deliver(context.Background(), func([]byte) error { calls++; return errInvocation }, e.sleeper(t, &waits))
			if err != nil {
				t.Fatal(err)
			}
			if d.Acked || d.Attempts != tt.attempts || calls != tt.attempts || d.Count != 2 {
				t.Fatalf("delivery %+v after %d invocations, want %d attempts", d, calls, tt.attempts)
			}
			if !tt.waitOK(waits) {
				t.Errorf("waits %v do not follow %s", waits, tt.strategy)
			}
			if d.DeadLettered != tt.dead || d.Dropped != tt.dropped || d.Blocked != tt.blocked {
				t.Errorf("gave up as %+v", d)
			}
			dead := e.srv.MNS.Messages("dlq")
			if tt.dead != (len(dead) == 2) {
				t.Errorf("%d messages on the dead-letter queue", len(dead))
			}
			for i, m := range dead {
				var ev struct {
					Data struct{ MessageBody string } `json:"data"`
				}
				if json.Unmarshal([]byte(m.Body), &ev) != nil || ev.Data.MessageBody != []string{`{"n":1}`, `{"n":2}`}[i] {
					t.Errorf("dead letter %d is not the message's CloudEvent: %s", i, m.Body)
				}
			}
			left := len(e.srv.MNS.Messages("work"))
			if tt.blocked {
				if left != 2 {
					t.Errorf("a blocked stream lost its messages: %d left", left)
				}
				if _, err := e.src.Receive(); !errors.Is(err, eventbridge.ErrBlocked) {
					t.Errorf("Receive after blocking: %v, want ErrBlocked", err)
				}
				return
			}
			if left != 0 {
				t.Errorf("%d messages left on the source queue after giving up", left)
			}
			e.srv.Advance(24 * time.Hour)
			if b, err := e.src.Receive(); b != nil || err != nil {
				t.Errorf("a given-up batch came back: %+v, %v", b, err)
			}
		})
	}
}

// backoffWaits: three waits of 10 to 20 s.
func backoffWaits(ws []time.Duration) bool {
	if len(ws) != 3 {
		return false
	}
	for _, w := range ws {
		if w < 10*time.Second || w > 20*time.Second {
			return false
		}
	}
	return true
}

// decayWaits: 1, 2, 4, ... 256 s, then 512 s 167 times: about one day.
func decayWaits(ws []time.Duration) bool {
	if len(ws) != 176 {
		return false
	}
	var total time.Duration
	for i, w := range ws {
		want := 512 * time.Second
		if i < 9 {
			want = time.Duration(1<<i) * time.Second
		}
		if w != want {
			return false
		}
		total += w
	}
	return total == 86015*time.Second
}

// TestSourceRetrySucceeds: a batch that fails twice and then succeeds is
// acknowledged once, never dead-lettered.
func TestSourceRetrySucceeds(t *testing.T) {
	e := newRetryEnv(t, eventbridge.BackoffRetry, eventbridge.ToleranceAll, true)
	var waits []time.Duration
	calls := 0
	d, err := e.src.Deliver(context.Background(), func([]byte) error {
		if calls++; calls < 3 {
			return errInvocation
		}
		return nil
	}, e.sleeper(t, &waits))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Acked || d.Attempts != 3 || len(waits) != 2 {
		t.Fatalf("delivery %+v, waits %v", d, waits)
	}
	if n, dead := len(e.srv.MNS.Messages("work")), len(e.srv.MNS.Messages("dlq")); n != 0 || dead != 0 {
		t.Errorf("%d left, %d dead-lettered", n, dead)
	}
	if d, err := e.src.Deliver(context.Background(), func([]byte) error { return nil }, e.sleeper(t, &waits)); d != nil || err != nil {
		t.Errorf("empty queue delivered %+v, %v", d, err)
	}
}
