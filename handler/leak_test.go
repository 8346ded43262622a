package handler_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// TestNoCredentialLeavesTheFunction makes every ECS call fail at the network
// level (Go's error quotes the signed URL, STS token included) and an MNS
// send fail too, then looks for the token and the secret in everything the
// function writes out: the published outcome, every log line at DEBUG, and
// the error Handle returns to the runtime.
func TestNoCredentialLeavesTheFunction(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, func(_ *handler.Config, d *handler.Deps) {
		d.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	f.emu.Faults.Add(world.Fault{API: "DescribeImages", Code: "reset", Times: 1000})
	outs, err := f.handle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`)
	if len(outs) != 1 || outs[0].Error == nil || outs[0].Error.Code != outcome.CloudUnavailable {
		t.Fatalf("outcomes %+v, err %v; want one CloudUnavailable", outs, err)
	}
	// The publish path: the outcome queue refuses every send.
	f.emu.Faults.Add(world.Fault{API: "SendMessage", Code: "reset", Times: 1000})
	_, perr := f.handle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`)
	if perr == nil {
		t.Fatal("Handle succeeded although no outcome could be published")
	}

	var text strings.Builder
	for _, o := range outs {
		text.WriteString(o.Error.Message + "\n")
	}
	text.WriteString(perr.Error() + "\n" + logs.String())
	for _, secret := range []string{f.inv.Credentials.SecurityToken, f.inv.Credentials.AccessKeySecret + "&"} {
		if strings.Contains(text.String(), secret) {
			t.Errorf("%q leaked:\n%s", secret, text.String())
		}
	}
	if !strings.Contains(outs[0].Error.Message, "SecurityToken=[REDACTED]") {
		t.Errorf("the outcome no longer quotes the call, so this test proves nothing: %q", outs[0].Error.Message)
	}
}
