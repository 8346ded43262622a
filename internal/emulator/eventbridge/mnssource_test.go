package eventbridge_test

import (
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/trigger"
)

func TestDeliversAsCloudEventsAndRedeliversUnacked(t *testing.T) {
	w, err := world.Parse("w", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [{name: work, visibilityTimeout: 30s}]
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-a"}`,
		`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-b"}`,
		`not a request`,
	}
	for _, b := range bodies {
		if err := srv.MNS.Send("work", b, 0); err != nil {
			t.Fatal(err)
		}
	}
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: w.Owner, Region: w.Region, BatchSize: 2}

	first, err := src.Receive()
	if err != nil || first == nil || first.Count != 2 {
		t.Fatalf("first batch %+v, %v", first, err)
	}
	items := trigger.Decode(first.Payload, trigger.Options{})
	if len(items) != 2 || items[0].Trigger.Type != trigger.MNSQueue || items[0].Request == nil || items[0].Request.ImageIDs[0] != "m-a" {
		t.Fatalf("decoded %+v", items)
	}
	if err := src.Ack(first); err != nil {
		t.Fatal(err)
	}

	second, err := src.Receive()
	if err != nil || second == nil || second.Count != 1 {
		t.Fatalf("second batch %+v, %v", second, err)
	}
	bad := trigger.Decode(second.Payload, trigger.Options{})
	if len(bad) != 1 || bad[0].Err == nil {
		t.Fatalf("malformed body decoded as %+v", bad)
	}
	// Not acknowledged: invisible now, back after the visibility timeout
	// with the same message id (so the same outcomeId).
	if b, err := src.Receive(); b != nil || err != nil {
		t.Fatalf("unacked message visible at once: %+v, %v", b, err)
	}
	srv.Advance(31 * time.Second)
	again, err := src.Receive()
	if err != nil || again == nil || again.Count != 1 {
		t.Fatalf("redelivery %+v, %v", again, err)
	}
	if redelivered := trigger.Decode(again.Payload, trigger.Options{}); redelivered[0].SourceID != bad[0].SourceID {
		t.Fatalf("redelivery source id %q, first %q", redelivered[0].SourceID, bad[0].SourceID)
	}
	if err := src.Ack(again); err != nil {
		t.Fatal(err)
	}
	if b, err := src.Receive(); b != nil || err != nil {
		t.Fatalf("queue not empty after acks: %+v, %v", b, err)
	}
}
