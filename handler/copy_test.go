package handler_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/outcome"
)

// copyPolicy copies prod images to two regions (one under a KMS key) and
// re-encrypts secure images in cn-hangzhou.
const copyPolicy = `
version: 1
groups:
  prod: ["2000000000000001", "2000000000000002", "2000000000000003", "2000000000000004",
         "2000000000000005", "2000000000000006", "2000000000000007", "2000000000000008",
         "2000000000000009", "2000000000000010", "2000000000000011", "2000000000000012"]
rules:
  - name: golden
    match: {tags: {env: prod}}
    shareWith: [prod]
    copyTo: [cn-shanghai, {region: ap-southeast-1, kmsKeyId: key-sg-0001}]
  - name: secure
    match: {tags: {env: secure}, regions: [cn-hangzhou]}
    shareWith: [prod]
    reencrypt: {kmsKeyId: key-hz-0001}
`

func copyWorld(t *testing.T, extra string) *world.World {
	t.Helper()
	w, err := world.Parse("copy-world", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK, securityToken: STS-TOKEN}
queues: [work, outcomes]
regions: [cn-hangzhou, cn-shanghai, ap-southeast-1]
kmsKeys:
  - {id: key-sg-0001, region: ap-southeast-1}
  - {id: key-hz-0001, region: cn-hangzhou}
images:
  - {id: m-golden-1, name: golden-web, description: "Golden web image", tags: {env: prod, team: web}}
  - {id: m-secure-2, name: secure-db, encryption: service-key, tags: {env: secure}}
`+extra))
	if err != nil {
		t.Fatal(err)
	}
	w.Accounts = prodAccounts()
	return w
}

// newCopyFixture runs the handler on copyWorld and copyPolicy, with the
// instance's ECS rate (real time) out of the way: the deferral chains make
// hundreds of calls.
//
// Copies take 5 minutes and ECS makes one at a time, so the second region's
// copy waits for the first: six attempts (60+120+240+480+900 s of delays)
// cover that; three (3 minutes) only did while duplicate deliveries forked
// extra chains of attempts.
func newCopyFixture(t *testing.T, extraWorld string) *fixture {
	return newFixtureWith(t, copyWorld(t, extraWorld), copyPolicy, func(c *handler.Config, _ *handler.Deps) {
		c.ECSRate = 10000
		c.DeferAttempts = 6
	})
}

// copiesOf returns the images in region that carry the provenance tag of src.
func (f *fixture) copiesOf(region, src string) []world.Image {
	var out []world.Image
	for _, im := range f.emu.ECS.Images(region) {
		if im.Tags[engine.CopyTagKey] == engine.CopyTagValue("cn-hangzhou", src) {
			out = append(out, im)
		}
	}
	return out
}

// drain delivers the work queue as the EventBridge MNS source would, moving
// the emulated clock over delays, until it is empty; it returns every
// outcome published meanwhile.
func (f *fixture) drain() []outcome.Outcome {
	f.t.Helper()
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: f.emu.URL(), AccountID: f.inv.AccountID, Region: f.inv.Region,
		AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"})
	if err != nil {
		f.t.Fatal(err)
	}
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: f.inv.AccountID, Region: f.inv.Region}
	var outs []outcome.Outcome
	for range 200 {
		b, err := src.Receive()
		if err != nil {
			f.t.Fatal(err)
		}
		if b == nil {
			next, ok := f.emu.MNS.NextVisible("work")
			if !ok {
				return outs
			}
			f.emu.Advance(max(next.Sub(f.emu.Clock.Now()), time.Millisecond))
			continue
		}
		outs = append(outs, f.mustHandle(string(b.Payload))...)
		if err := src.Ack(b); err != nil {
			// The handler outlived the visibility timeout on the emulated
			// clock: the batch comes back, a redelivery like any other.
			f.t.Logf("ack: %v", err)
		}
	}
	f.t.Fatal("the work queue never emptied")
	return nil
}

func byAction(outs []outcome.Outcome, action string) []outcome.Outcome {
	var r []outcome.Outcome
	for _, o := range outs {
		if o.Action == action {
			r = append(r, o)
		}
	}
	return r
}

func TestCopyOncePerRegionWhateverTheDeliveries(t *testing.T) {
	f := newCopyFixture(t, "")
	event := `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-1","correlationId":"build-9"}`
	first := f.mustHandle(event)
	copies := byAction(first, outcome.ActionCopy)
	if len(copies) != 2 {
		t.Fatalf("copy outcomes %+v, want one per region", copies)
	}
	sh := copies[0]
	if sh.RegionID != "cn-shanghai" || sh.Status != outcome.Succeeded || sh.ImageID == "" || sh.SourceImageID != "m-golden-1" ||
		sh.SourceRegionID != "cn-hangzhou" || sh.APICalls["CopyImage"] != 1 || sh.CorrelationID != "build-9" {
		t.Fatalf("cn-shanghai copy outcome %+v", sh)
	}
	// ECS copies one image at a time: the second region waits its turn.
	if sg := copies[1]; sg.RegionID != "ap-southeast-1" || sg.Status != outcome.Deferred || sg.Error.Code != outcome.CopyInProgress {
		t.Fatalf("ap-southeast-1 copy outcome %+v", sg)
	}
	// Redeliveries of the event, and the whole chain of deferrals.
	for range 3 {
		f.mustHandle(event)
	}
	f.drain()
	for range 2 {
		f.mustHandle(readEvent(t, "timer.json"))
		f.drain()
	}
	for _, region := range []string{"cn-shanghai", "ap-southeast-1"} {
		got := f.copiesOf(region, "m-golden-1")
		if len(got) != 1 {
			t.Fatalf("%d copies in %s, want 1", len(got), region)
		}
		c := got[0]
		if c.Status != "Available" || c.Name != "golden-web" || c.Description != "Golden web image" || c.Tags["team"] != "web" {
			t.Errorf("copy in %s: %+v", region, c)
		}
		if s := f.shared(c.ID); !slices.Equal(s, prodAccounts()) {
			t.Errorf("copy in %s shared with %v", region, s)
		}
	}
	if sg := f.copiesOf("ap-southeast-1", "m-golden-1")[0]; sg.Encryption != "cmk" || sg.KMSKeyID != "key-sg-0001" {
		t.Errorf("ap-southeast-1 copy encryption %s %q", sg.Encryption, sg.KMSKeyID)
	}
	if n := f.emu.Faults.Counts()["CopyImage"]; n < 2 {
		t.Fatalf("%d CopyImage calls", n)
	}
	made := len(f.copiesOf("cn-shanghai", "m-golden-1")) + len(f.copiesOf("ap-southeast-1", "m-golden-1"))
	calls := f.emu.Faults.Counts()["CopyImage"]
	// Once both copies exist, nothing sends CopyImage again.
	f.mustHandle(event)
	f.mustHandle(readEvent(t, "timer.json"))
	f.drain()
	if n := f.emu.Faults.Counts()["CopyImage"]; n != calls || made != 2 {
		t.Fatalf("CopyImage calls %d -> %d after the copies existed; %d copies", calls, n, made)
	}
}

func TestServiceKeyImageReencryptedAndCopyShared(t *testing.T) {
	f := newCopyFixture(t, "")
	outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-secure-2"}`)
	var src, cp outcome.Outcome
	for _, o := range outs {
		switch o.Action {
		case outcome.ActionReconcile:
			src = o
		case outcome.ActionCopy:
			cp = o
		}
	}
	if src.Error != nil || src.Status != outcome.Unchanged || len(src.Copies) != 1 || src.Copies[0].ImageID == "" ||
		src.Copies[0].RegionID != "cn-hangzhou" {
		t.Fatalf("source outcome %+v", src)
	}
	if cp.Status != outcome.Succeeded || cp.ImageID != src.Copies[0].ImageID || cp.RegionID != "cn-hangzhou" {
		t.Fatalf("copy outcome %+v", cp)
	}
	if f.modifyCalls() != 0 {
		t.Fatalf("%d Modify calls on a service-key image", f.modifyCalls())
	}
	f.drain()
	c, ok := f.emu.ECS.Image(cp.ImageID)
	if !ok || c.Encryption != "cmk" || c.KMSKeyID != "key-hz-0001" || c.Name != "secure-db-cmk" {
		t.Fatalf("copy %+v", c)
	}
	if s := f.shared(cp.ImageID); !slices.Equal(s, prodAccounts()) {
		t.Fatalf("re-encrypted copy shared with %v", s)
	}
	if s := f.shared("m-secure-2"); len(s) != 0 {
		t.Fatalf("service-key source shared with %v", s)
	}
}

func TestDeletedCopyRepairedBySweep(t *testing.T) {
	f := newCopyFixture(t, "")
	f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-1"}`)
	f.drain()
	old := f.copiesOf("cn-shanghai", "m-golden-1")
	if len(old) != 1 || !f.emu.ECS.DeleteImage(old[0].ID) {
		t.Fatalf("copies %+v", old)
	}
	f.emu.Advance(time.Hour) // the next hourly sweep
	outs := f.mustHandle(readEvent(t, "timer.json"))
	var made []outcome.Outcome
	for _, o := range byAction(outs, outcome.ActionCopy) {
		if o.SourceImageID == "m-golden-1" {
			made = append(made, o)
		}
	}
	if len(made) != 1 || made[0].RegionID != "cn-shanghai" || made[0].Status != outcome.Succeeded || made[0].ImageID == old[0].ID {
		t.Fatalf("sweep copy outcomes %+v", made)
	}
	f.drain()
	got := f.copiesOf("cn-shanghai", "m-golden-1")
	if len(got) != 1 || got[0].ID != made[0].ImageID || !slices.Equal(f.shared(got[0].ID), prodAccounts()) {
		t.Fatalf("repaired copy %+v shared with %v", got, f.shared(made[0].ImageID))
	}
}

func TestCopiesLeftAloneWhenSourceUntagged(t *testing.T) {
	f := newCopyFixture(t, "")
	f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-1"}`)
	f.drain()
	f.emu.ECS.SetTags("m-golden-1", map[string]string{"team": "web"})
	f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-1"}`)
	f.emu.ECS.DeleteImage("m-golden-1")
	f.mustHandle(readEvent(t, "timer.json"))
	f.drain()
	for _, region := range []string{"cn-shanghai", "ap-southeast-1"} {
		if n := len(f.copiesOf(region, "m-golden-1")); n != 1 {
			t.Errorf("%d copies left in %s, want the 1 made", n, region)
		}
	}
}

// TestCopyErrorIsAnOutcomeOfItsOwn: a copy ECS refuses (here a KMS key that
// does not exist in the destination region) is a failed copy outcome with
// the typed code and its remedy; the source is shared all the same, and a
// redelivery asks again rather than pretending.
func TestCopyErrorIsAnOutcomeOfItsOwn(t *testing.T) {
	pol := strings.Replace(copyPolicy, "kmsKeyId: key-sg-0001", "kmsKeyId: key-hz-0001", 1)
	f := newFixtureWith(t, copyWorld(t, ""), pol, func(c *handler.Config, _ *handler.Deps) { c.ECSRate, c.DeferAttempts = 10000, 6 })
	// The first copy is made at once; the second, refused meanwhile as in
	// progress, is asked for on a deferred attempt of the source.
	outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-1"}`)
	outs = append(outs, f.drain()...)
	var failed []outcome.Outcome
	for _, o := range byAction(outs, outcome.ActionCopy) {
		if o.RegionID == "ap-southeast-1" && o.Status == outcome.Failed {
			failed = append(failed, o)
		}
	}
	if len(failed) == 0 {
		t.Fatalf("no failed ap-southeast-1 copy outcome in %+v", outs)
	}
	for _, o := range failed {
		if o.Error == nil || o.Error.Code != outcome.KMSKeyUnusable || o.Error.ECSCode != "InvalidParameter.KMSKeyId.NotFound" ||
			!strings.Contains(o.Error.Message, "kmsKeyId") || o.ImageID != "" {
			t.Fatalf("failed copy outcome %+v", o)
		}
	}
	if n := len(f.copiesOf("ap-southeast-1", "m-golden-1")); n != 0 {
		t.Fatalf("%d copies under a key that does not exist there", n)
	}
	if !slices.Equal(f.shared("m-golden-1"), prodAccounts()) {
		t.Fatalf("source shared with %v", f.shared("m-golden-1"))
	}
}
