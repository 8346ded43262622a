package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/fcrt"
	"github.com/imageshare/ecs-image-share/internal/emulator/mns"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

const worldYAML = `
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
accounts: ["2000000000000001"]
queues: [work]
images:
  - id: m-new-001
    availableAfter: 90s
`

// TestOneListenerServesAllThree drives the real ECS and MNS SDK clients and
// the runtime API through one address, and checks that emulated time is
// shared: the image becomes Available and the delayed message visible on
// the same Advance.
func TestOneListenerServesAllThree(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(worldYAML))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)

	ec, err := ecsclient.New(ecsclient.Config{Region: w.Region, Endpoint: srv.URL(), AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		req := ecs.CreateDescribeImagesRequest()
		req.RegionId, req.ImageId, req.Status = w.Region, "m-new-001", "Creating,Available"
		resp, err := ec.DescribeImages(req)
		if err != nil || len(resp.Images.Image) != 1 {
			t.Fatalf("DescribeImages: %v %+v", err, resp)
		}
		return resp.Images.Image[0].Status
	}

	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	q := ali_mns.NewMNSQueue("work", mc)
	if _, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "hello", DelaySeconds: 60, Priority: 8}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.MNS.NextVisible("work"); !ok {
		t.Fatal("message not queued")
	}
	if got := status(); got != "Creating" {
		t.Fatalf("status before Advance = %s", got)
	}
	if len(visible(srv.MNS.Messages("work"))) != 0 {
		t.Fatal("delayed message visible before Advance")
	}
	srv.Advance(2 * time.Minute)
	if got := status(); got != "Available" {
		t.Fatalf("status after Advance = %s", got)
	}
	if len(visible(srv.MNS.Messages("work"))) != 1 {
		t.Fatal("delayed message not visible after Advance")
	}

	// The runtime API answers on the same address: an invocation nobody
	// polls for ends with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := srv.Runtime.Invoke(ctx, fcrt.Invocation{Payload: []byte(`{}`)}); err == nil {
		t.Fatal("Invoke without a function returned no error")
	}
	if c := srv.Faults.Counts(); c["DescribeImages"] != 2 || c["SendMessage"] != 1 {
		t.Fatalf("counts = %v", c)
	}
}

func visible(ms []mns.QueuedMessage) []mns.QueuedMessage {
	var out []mns.QueuedMessage
	for _, m := range ms {
		if m.Visible {
			out = append(out, m)
		}
	}
	return out
}
