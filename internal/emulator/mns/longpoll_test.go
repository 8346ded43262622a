package mns_test

import (
	"net/http/httptest"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/mns"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// These tests hold a 30 s long poll open and make something happen. If the
// wake-up were missed the poll would end empty after 30 s and the test
// would fail on MessageNotExist, not on timing.

type result struct {
	msg ali_mns.MessageReceiveResponse
	err error
}

// pollInBackground starts a 30 s long poll and returns once the service
// has taken the call (it was counted), so what the test does next happens
// while the poll is held or just before it looks, never before the call.
func (e *env) pollInBackground(client ali_mns.MNSClient, queue string) <-chan result {
	e.t.Helper()
	before := e.inj.Counts()["ReceiveMessage"]
	done := make(chan result, 1)
	go func() {
		m, err := receive(ali_mns.NewMNSQueue(queue, client), 30)
		done <- result{m, err}
	}()
	for e.inj.Counts()["ReceiveMessage"] == before {
		time.Sleep(time.Millisecond)
	}
	return done
}

func TestLongPollWakesOnSend(t *testing.T) {
	e := newEnv(t, nil)
	done := e.pollInBackground(e.newClient(secret, "", 40*time.Second), "work")
	send(t, e.queue("work"), "wake up")
	r := <-done
	if r.err != nil || r.msg.MessageBody != "wake up" {
		t.Fatalf("long poll got %+v, %v", r.msg, r.err)
	}
}

func TestLongPollWakesOnClockAdvance(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.svc.Send("work", "delayed", time.Hour); err != nil {
		t.Fatal(err)
	}
	done := e.pollInBackground(e.newClient(secret, "", 40*time.Second), "work")
	e.clk.Advance(time.Hour)
	r := <-done
	if r.err != nil || r.msg.MessageBody != "delayed" {
		t.Fatalf("long poll got %+v, %v", r.msg, r.err)
	}
}

func TestLongPollWakesOnPublishToSubscriber(t *testing.T) {
	e := newEnv(t, nil)
	done := e.pollInBackground(e.newClient(secret, "", 40*time.Second), "outcomes")
	if _, err := ali_mns.NewMNSTopic("outcomes", e.client).PublishMessage(ali_mns.MessagePublishRequest{MessageBody: "fan-out"}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.msg.MessageBody != "fan-out" {
		t.Fatalf("long poll got %+v, %v", r.msg, r.err)
	}
}

func TestLongPollEndsEmpty(t *testing.T) {
	e := newEnv(t, nil)
	_, err := receive(e.queue("work"), 1)
	wantCode(t, err, ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
	_, err = batchReceive(e.queue("work"), 4, 1)
	wantCode(t, err, ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
}

func TestWaitSecondsRange(t *testing.T) {
	e := newEnv(t, nil)
	resp := e.raw(rawRequest{method: "GET", uri: "/queues/work/messages?waitseconds=31"})
	if resp.status != 400 || !containsCode(resp.body, "InvalidArgument") {
		t.Fatalf("waitseconds=31: %d %s", resp.status, resp.body)
	}
	resp = e.raw(rawRequest{method: "GET", uri: "/queues/work/messages?numOfMessages=17"})
	if resp.status != 400 || !containsCode(resp.body, "InvalidArgument") {
		t.Fatalf("numOfMessages=17: %d %s", resp.status, resp.body)
	}
}

// quietClock is a manual clock that does not report its advances, like any
// clock other than clock.Manual: the service cannot know it moved.
type quietClock struct{ m *clock.Manual }

func (c quietClock) Now() time.Time { return c.m.Now() }

func TestWakeAfterMovingAQuietClock(t *testing.T) {
	w, err := world.Parse("test", []byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	manual := clock.NewManual(w.StartTime)
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := mns.New(w, quietClock{manual}, inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	e := &env{t: t, world: w, svc: svc, clk: manual, inj: inj, srv: srv}

	if err := svc.Send("work", "delayed", time.Hour); err != nil {
		t.Fatal(err)
	}
	done := e.pollInBackground(e.newClient(secret, "", 40*time.Second), "work")
	manual.Advance(time.Hour) // the service is not told...
	svc.Wake()                // ...until Wake
	r := <-done
	if r.err != nil || r.msg.MessageBody != "delayed" {
		t.Fatalf("long poll got %+v, %v", r.msg, r.err)
	}
}

// With clocks that move with real time, a long poll returns when a delay
// runs out without anyone advancing or waking anything.
func TestLongPollOnRealTimeClocksSeesDelayExpire(t *testing.T) {
	tests := []struct {
		name string
		clk  func(start time.Time) clock.Clock
	}{
		{"system clock", func(time.Time) clock.Clock { return clock.System{} }},
		{"running manual clock", func(start time.Time) clock.Clock { return clock.NewRunning(start) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := world.Parse("test", []byte(testWorld))
			if err != nil {
				t.Fatal(err)
			}
			inj := fault.New(w)
			stop := make(chan struct{})
			svc := mns.New(w, tc.clk(w.StartTime), inj, stop)
			srv := httptest.NewServer(svc)
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(stop) })
			e := &env{t: t, world: w, svc: svc, inj: inj, srv: srv}

			if err := svc.Send("work", "soon", 200*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			m, err := receive(ali_mns.NewMNSQueue("work", e.newClient(secret, "", 40*time.Second)), 30)
			if err != nil || m.MessageBody != "soon" {
				t.Fatalf("long poll got %+v, %v", m, err)
			}
		})
	}
}

func TestStopReleasesLongPolls(t *testing.T) {
	w, err := world.Parse("test", []byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	inj := fault.New(w)
	stop := make(chan struct{})
	manual := clock.NewManual(w.StartTime)
	svc := mns.New(w, manual, inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	e := &env{t: t, world: w, svc: svc, clk: manual, inj: inj, srv: srv}

	done := e.pollInBackground(e.newClient(secret, "", 40*time.Second), "work")
	close(stop)
	r := <-done
	wantCode(t, r.err, ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
}
