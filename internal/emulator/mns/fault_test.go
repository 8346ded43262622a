package mns_test

import (
	"fmt"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
	"github.com/valyala/fasthttp"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

func TestInjectedErrors(t *testing.T) {
	tests := []struct {
		name   string
		fault  world.Fault
		status int
		code   string
	}{
		{"documented code and status", world.Fault{API: "SendMessage", Code: "InternalError"}, 500, "InternalError"},
		{"documented 4xx", world.Fault{API: "SendMessage", Code: "QueueNotExist"}, 404, "QueueNotExist"},
		{"status override", world.Fault{API: "SendMessage", Code: "InternalError", Status: 503}, 503, "InternalError"},
		{"unknown code with a status", world.Fault{API: "SendMessage", Code: "Bizarre", Status: 502}, 502, "Bizarre"},
		{"unknown code without a status", world.Fault{API: "SendMessage", Code: "Bizarre"}, 500, "Bizarre"},
		{"throttling as the table says", world.Fault{API: "SendMessage", Code: "QpsLimitExceeded"}, 400, "QpsLimitExceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.inj.Add(tc.fault)
			resp := e.raw(rawRequest{method: "POST", uri: "/queues/work/messages",
				body: "<Message><MessageBody>x</MessageBody><Priority>8</Priority></Message>"})
			if resp.status != tc.status || !containsCode(resp.body, tc.code) {
				t.Fatalf("got %d %s, want %d %s", resp.status, resp.body, tc.status, tc.code)
			}
			if n := len(e.svc.Messages("work")); n != 0 {
				t.Fatalf("a failed call was applied: %d messages", n)
			}
			// The fault is used up: the next call goes through.
			send(t, e.queue("work"), "after")
		})
	}
}

func TestInjectedErrorThroughTheSDK(t *testing.T) {
	e := newEnv(t, nil)
	e.inj.Add(world.Fault{API: "PublishMessage", Code: "InternalError", Topic: "outcomes"})
	_, err := ali_mns.NewMNSTopic("lonely", e.client).PublishMessage(ali_mns.MessagePublishRequest{MessageBody: "x"})
	if err != nil {
		t.Fatalf("a fault for another topic hit: %v", err)
	}
	_, err = ali_mns.NewMNSTopic("outcomes", e.client).PublishMessage(ali_mns.MessagePublishRequest{MessageBody: "x"})
	wantCode(t, err, ali_mns.ERR_MNS_INTERNAL_ERROR, "InternalError")
}

func TestRateLimitAnswersQpsLimitExceeded(t *testing.T) {
	e := newEnv(t, func(w *world.World) {
		w.RateLimit = &world.RateLimit{CallsPerSecond: 0.001, Burst: 1, APIs: []string{"SendMessage"}}
	})
	q := e.queue("work")
	send(t, q, "first")
	_, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "second", Priority: 8})
	wantCode(t, err, ali_mns.ERR_MNS_QPS_LIMIT_EXCEEDED, "QpsLimitExceeded")
	if got := e.inj.Counts()["SendMessage"]; got != 2 {
		t.Fatalf("SendMessage counted %d, want 2 (throttled calls count)", got)
	}
}

func TestInjectedTimeout(t *testing.T) {
	for _, apply := range []bool{false, true} {
		t.Run(fmt.Sprintf("apply=%v", apply), func(t *testing.T) {
			e := newEnv(t, nil)
			e.inj.Add(world.Fault{API: "SendMessage", Code: world.FaultTimeout, Apply: apply})
			q := ali_mns.NewMNSQueue("work", e.newClient(secret, "", 300*time.Millisecond))
			_, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "maybe", Priority: 8})
			if !ali_mns.ERR_SEND_REQUEST_FAILED.IsEqual(err) {
				t.Fatalf("got %v, want a transport error", err)
			}
			want := 0
			if apply {
				want = 1
			}
			if n := len(e.svc.Messages("work")); n != want {
				t.Fatalf("%d messages queued, want %d", n, want)
			}
		})
	}
}

// A reset before the first response byte is io.EOF to fasthttp, which then
// retries even a POST, up to its idempotent-call attempts. So a single reset
// is invisible to the SDK caller, and one after applying duplicates the
// message: at-least-once, as the product must expect.
func TestInjectedReset(t *testing.T) {
	attempts := fasthttp.DefaultMaxIdemponentCallAttempts
	tests := []struct {
		name    string
		times   int
		apply   bool
		fails   bool
		applied int
	}{
		{"one reset before applying is retried", 1, false, false, 1},
		{"one reset after applying duplicates", 1, true, false, 2},
		{"resets on every attempt fail the call", attempts, false, true, 0},
		{"resets after applying on every attempt", attempts, true, true, attempts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.inj.Add(world.Fault{API: "SendMessage", Code: world.FaultReset, Apply: tc.apply, Times: tc.times})
			_, err := e.queue("work").SendMessage(ali_mns.MessageSendRequest{MessageBody: "maybe", Priority: 8})
			if tc.fails != (err != nil) {
				t.Fatalf("error %v, want failure %v", err, tc.fails)
			}
			if tc.fails && !ali_mns.ERR_SEND_REQUEST_FAILED.IsEqual(err) {
				t.Fatalf("got %v, want a transport error", err)
			}
			if n := len(e.svc.Messages("work")); n != tc.applied {
				t.Fatalf("%d messages queued, want %d", n, tc.applied)
			}
		})
	}
}
