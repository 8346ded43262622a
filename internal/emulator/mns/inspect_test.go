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
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

func TestInspection(t *testing.T) {
	e := newEnv(t, nil)
	start := e.clk.Now()

	if _, ok := e.svc.NextVisible("work"); ok {
		t.Fatal("NextVisible on an empty queue")
	}
	if err := e.svc.Send("nope", "x", 0); err == nil {
		t.Fatal("Send to an unknown queue succeeded")
	}
	if err := e.svc.Send("work", "x", -time.Second); err == nil {
		t.Fatal("Send with a negative delay succeeded")
	}

	if err := e.svc.Send("work", "later", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Send("work", "sooner", time.Minute); err != nil {
		t.Fatal(err)
	}
	next, ok := e.svc.NextVisible("work")
	if !ok || !next.Equal(start.Add(time.Minute)) {
		t.Fatalf("NextVisible = %v, %v; want start+1m", next, ok)
	}

	msgs := e.svc.Messages("work")
	if len(msgs) != 2 || msgs[0].Body != "later" || msgs[0].Visible || msgs[0].Priority != 8 ||
		!msgs[0].NextVisibleTime.Equal(start.Add(10*time.Minute)) || !msgs[0].EnqueueTime.Equal(start) ||
		msgs[0].BodyMD5 != upperMD5("later") || msgs[0].MessageID == "" {
		t.Fatalf("Messages = %+v", msgs)
	}

	// local fast-forwards to NextVisible and finds the message there.
	e.clk.Advance(next.Sub(e.clk.Now()))
	m, err := receive(e.queue("work"), 0)
	if err != nil || m.MessageBody != "sooner" {
		t.Fatalf("after fast-forward: %+v, %v", m, err)
	}
	msgs = e.svc.Messages("work")
	if !msgs[1].FirstDequeueTime.Equal(e.clk.Now()) || msgs[1].DequeueCount != 1 || msgs[1].ReceiptHandle != m.ReceiptHandle {
		t.Fatalf("received message as inspected: %+v", msgs[1])
	}
	if e.svc.Messages("nope") != nil || e.svc.Published("nope") != nil {
		t.Fatal("inspection of unknown resources returned something")
	}
}

func TestTopicOfAWorldBuiltInGoTakesTheDefaultSize(t *testing.T) {
	w := &world.World{Owner: "1000000000000001", Credentials: world.Credentials{AccessKeyID: "AK", AccessKeySecret: "SK"},
		Topics: []world.Topic{{Name: "t"}}}
	s := mns.New(w, clock.NewManual(time.Unix(0, 0)), fault.New(w), make(chan struct{}))
	srv := httptest.NewServer(s)
	defer srv.Close()
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL, AccountID: w.Owner, Region: "cn-hangzhou", AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ali_mns.NewMNSTopic("t", mc).PublishMessage(ali_mns.MessagePublishRequest{MessageBody: "hello"}); err != nil {
		t.Fatalf("publish to a topic without a configured size: %v", err)
	}
}
