package handler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// orgPolicy shares team images with Resource Directory folders. Only the
// apps rule prunes: the data team keeps shares made by hand.
const orgPolicy = `
version: 1
groups:
  apps: {resourceDirectoryFolder: fd-appsfolder}
  data: {resourceDirectoryFolder: fd-dataplat01}
  big: {resourceDirectoryFolder: fd-bigfolder1}
  ops: ["5000000000000001"]
rules:
  - name: apps-images
    match: {tags: {team: apps}}
    shareWith: [apps]
  - name: data-images
    match: {tags: {team: data}}
    shareWith: [data]
    prune: false
  - name: big-images
    match: {tags: {team: big}}
    shareWith: [big]
  - name: ops-images
    match: {tags: {team: ops}}
    shareWith: [ops]
prune: true
`

// orgWorld: the function runs in the management account (unless edited);
// apps has a subfolder and an account whose creation failed; big holds 120
// members, more than one page (100) and more than an image's 50 shares.
func orgWorld(t *testing.T, management string) *world.World {
	t.Helper()
	var big strings.Builder
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&big, "\"23%014d\", ", i)
	}
	w, err := world.Parse("org-world", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK, securityToken: STS-TOKEN}
queues: [work, outcomes]
accounts: ["5000000000000001", "5100000000000001", "2100000000000009", "9000000000000001"]
resourceDirectory:
  managementAccount: "`+management+`"
  folders:
    - id: fd-appsfolder
      name: apps
      accounts: ["2100000000000001", "2100000000000002", {id: "2100000000000003", status: CreateFailed}]
      folders:
        - {id: fd-appsweb001, name: web, accounts: ["2110000000000001"]}
    - {id: fd-dataplat01, name: data, accounts: ["2200000000000001"]}
    - {id: fd-bigfolder1, name: big, accounts: [`+strings.TrimSuffix(big.String(), ", ")+`]}
images:
  - {id: m-apps-1, tags: {team: apps}, sharedWith: ["9000000000000001"]}
  - {id: m-apps-2, tags: {team: apps}}
  - {id: m-data-1, tags: {team: data}, sharedWith: ["9000000000000001"]}
  - {id: m-ops-1, tags: {team: ops}, sharedWith: ["5100000000000001"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// newOrgFixture wires a handler to w with orgPolicy; extra overrides the
// environment.
func newOrgFixture(t *testing.T, w *world.World, extra ...map[string]string) *fixture {
	t.Helper()
	srv := emulatortest.Serve(t, w)
	env := map[string]string{
		"OUTCOME_QUEUE": "outcomes", "WORK_QUEUE": "work",
		"MNS_ENDPOINT": srv.URL(), "ECS_ENDPOINT": srv.URL(), "RM_ENDPOINT": srv.URL(),
		"FANOUT_THRESHOLD": "50",
	}
	for _, m := range extra {
		for k, v := range m {
			env[k] = v
		}
	}
	cfg, err := handler.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("policy.yaml", []byte(orgPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, emu: srv, h: handler.New(cfg, handler.Deps{
		Policy: pol,
		Clock:  srv.Clock,
		Sleep:  func(ctx context.Context, d time.Duration) error { srv.Advance(d); return ctx.Err() },
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}), inv: handler.Invocation{
		RequestID: "req-1", AccountID: w.Owner, Region: w.Region,
		Credentials: handler.Credentials{AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"},
	}}
}

func reconcile(images ...string) string {
	return `{"action": "reconcile", "regionId": "cn-hangzhou", "imageIds": ["` + strings.Join(images, `", "`) + `"]}`
}

func byImage(outs []outcome.Outcome) map[string]outcome.Outcome {
	m := map[string]outcome.Outcome{}
	for _, o := range outs {
		m[o.ImageID] = o
	}
	return m
}

func TestFolderWithSubfolderSharedWithExactlyItsMembers(t *testing.T) {
	f := newOrgFixture(t, orgWorld(t, "1000000000000001"))
	outs := f.mustHandle(reconcile("m-apps-1"))
	if len(outs) != 1 {
		t.Fatalf("%d outcomes", len(outs))
	}
	o := outs[0]
	// The folder and its subfolder, without the account whose creation
	// failed; the share nobody wants is pruned (the rule prunes by default).
	want := []string{"2100000000000001", "2100000000000002", "2110000000000001"}
	if o.Status != outcome.Succeeded || !slices.Equal(o.Added, want) || !slices.Equal(o.Removed, []string{"9000000000000001"}) {
		t.Fatalf("outcome %+v", o)
	}
	if got := f.shared("m-apps-1"); !slices.Equal(got, want) {
		t.Fatalf("shared with %v, want %v", got, want)
	}
	if got := o.Because["2110000000000001"]; !slices.Equal(got, []string{"apps-images/apps (folder fd-appsfolder)"}) {
		t.Fatalf("because %v", got)
	}
	// The policy's three folders, each with one page of accounts and one
	// of subfolders, plus the subfolder of apps, plus two pages of big's
	// 120 accounts.
	if o.APICalls["ListAccountsForParent"] != 5 || o.APICalls["ListFoldersForParent"] != 4 {
		t.Fatalf("apiCalls %v", o.APICalls)
	}
	counts := f.emu.Faults.Counts()
	if counts["ListAccountsForParent"] != 5 || counts["ListFoldersForParent"] != 4 {
		t.Fatalf("the emulator saw %v", counts)
	}
}

// TestSweepReadsTheDirectoryOnce: four images need the directory, a sweep
// reads it once, and its calls are counted once in the summary; the next
// sweep (another invocation) reads it again and follows the directory: the
// account that joined is shared with, the one that left is pruned where the
// rule prunes and kept where it does not.
func TestSweepReadsTheDirectoryOnce(t *testing.T) {
	f := newOrgFixture(t, orgWorld(t, "1000000000000001"))
	summary := func(outs []outcome.Outcome) outcome.Outcome {
		for _, o := range outs {
			if o.Action == outcome.ActionSweep {
				return o
			}
		}
		t.Fatalf("no sweep summary in %+v", outs)
		return outcome.Outcome{}
	}
	outs := f.mustHandle(readEvent(t, "timer.json"))
	s := summary(outs)
	if s.APICalls["ListAccountsForParent"] != 5 || s.APICalls["ListFoldersForParent"] != 4 {
		t.Fatalf("sweep apiCalls %v: want one read of the directory (5 + 4 calls)", s.APICalls)
	}
	if n := f.emu.Faults.Counts()["ListAccountsForParent"]; n != 5 {
		t.Fatalf("the emulator saw %d ListAccountsForParent calls, want 5", n)
	}
	if got := f.shared("m-data-1"); !slices.Equal(got, []string{"2200000000000001", "9000000000000001"}) {
		t.Fatalf("m-data-1 shared with %v: data-images adds its folder and prunes nothing", got)
	}

	dir := f.emu.RM.Directory
	if err := dir.Join("2100000000000009", "fd-appsweb001", f.emu.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"2100000000000002", "2200000000000001"} {
		if err := dir.Leave(a); err != nil {
			t.Fatal(err)
		}
	}
	outs = f.mustHandle(readEvent(t, "timer.json"))
	got := byImage(outs)
	for _, img := range []string{"m-apps-1", "m-apps-2"} {
		o := got[img]
		if !slices.Equal(o.Added, []string{"2100000000000009"}) || !slices.Equal(o.Removed, []string{"2100000000000002"}) {
			t.Errorf("%s: added %v removed %v, want the joiner added and the leaver pruned", img, o.Added, o.Removed)
		}
	}
	// data-images has prune: false: the leaver stays.
	if got := f.shared("m-data-1"); !slices.Equal(got, []string{"2200000000000001", "9000000000000001"}) {
		t.Errorf("m-data-1 shared with %v: a rule without prune removed a share", got)
	}
	if c := f.emu.Faults.Counts(); c["ListAccountsForParent"] != 10 || c["ListFoldersForParent"] != 8 {
		t.Errorf("the emulator saw %v after two sweeps, want 10 ListAccountsForParent and 8 ListFoldersForParent", c)
	}
}

// TestFolderPastTheQuota: a folder of 120 members (two pages) on an image
// that holds at most 50: the first 50 ids are shared, every other member is
// ShareQuotaExceeded.
func TestFolderPastTheQuota(t *testing.T) {
	w := orgWorld(t, "1000000000000001")
	w.Images = append(w.Images, world.Image{ID: "m-big-1", Region: w.Region, Owner: w.Owner, Status: "Available", Encryption: "none", Tags: map[string]string{"team": "big"}})
	f := newOrgFixture(t, w)
	o := f.mustHandle(reconcile("m-big-1"))[0]
	quota := 0
	for _, fl := range o.Failures {
		if fl.Code == outcome.ShareQuotaExceeded {
			quota++
		}
	}
	if o.Status != outcome.Partial || len(o.Added) != 50 || quota != 70 || o.Added[0] != "2300000000000001" || o.Added[49] != "2300000000000050" {
		t.Fatalf("status %s, %d added (%v..), %d ShareQuotaExceeded; want 50 and 70", o.Status, len(o.Added), o.Added[:1], quota)
	}
}

// TestDirectoryUnreadable: the function runs in an account that may not read
// the directory. The rules that need it report DirectoryUnavailable and
// remove nothing; the other rules still apply, pruning included.
func TestDirectoryUnreadable(t *testing.T) {
	f := newOrgFixture(t, orgWorld(t, "1999999999999999"))
	outs := byImage(f.mustHandle(reconcile("m-apps-1", "m-ops-1")))
	apps := outs["m-apps-1"]
	if apps.Status != outcome.Failed || len(apps.Removed) != 0 || len(apps.Failures) != 1 {
		t.Fatalf("m-apps-1: %+v", apps)
	}
	fl := apps.Failures[0]
	if fl.Code != outcome.DirectoryUnavailable || fl.Account != "apps" || fl.Retryable ||
		!strings.Contains(fl.Message, "EntityNotExists.ResourceDirectory") || !strings.Contains(fl.Message, "management account") {
		t.Fatalf("failure %+v", fl)
	}
	if got := f.shared("m-apps-1"); !slices.Equal(got, []string{"9000000000000001"}) {
		t.Fatalf("m-apps-1 shared with %v: a share was removed while the directory could not be read", got)
	}
	ops := outs["m-ops-1"]
	if ops.Status != outcome.Succeeded || !slices.Equal(ops.Added, []string{"5000000000000001"}) || !slices.Equal(ops.Removed, []string{"5100000000000001"}) {
		t.Fatalf("m-ops-1: %+v: the rule without directory groups must still apply", ops)
	}
	// Read once for the invocation: one refused call per folder.
	if n := f.emu.Faults.Counts()["ListAccountsForParent"]; n != 3 {
		t.Fatalf("%d ListAccountsForParent calls, want 3 (one per folder, each refused)", n)
	}
}

// TestNoDirectoryReadWhenNotNeeded: an image whose rules name no directory
// group is decided without reading the directory.
func TestNoDirectoryReadWhenNotNeeded(t *testing.T) {
	f := newOrgFixture(t, orgWorld(t, "1000000000000001"))
	o := f.mustHandle(reconcile("m-ops-1"))[0]
	if o.Status != outcome.Succeeded {
		t.Fatalf("outcome %+v", o)
	}
	counts := f.emu.Faults.Counts()
	if counts["ListAccountsForParent"]+counts["ListFoldersForParent"] != 0 || o.APICalls["ListAccountsForParent"] != 0 {
		t.Fatalf("the directory was read for an image that needs none: emulator %v, apiCalls %v", counts, o.APICalls)
	}
}

// TestLargeSweepReadsTheDirectoryOnce: 300 images needing the directory,
// swept inline, read it once.
func TestLargeSweepReadsTheDirectoryOnce(t *testing.T) {
	w := orgWorld(t, "1000000000000001")
	for i := range 300 {
		w.Images = append(w.Images, world.Image{ID: fmt.Sprintf("m-bulk-%03d", i), Region: w.Region, Owner: w.Owner,
			Status: "Available", Encryption: "none", Tags: map[string]string{"team": "apps"}})
	}
	f := newOrgFixture(t, w, map[string]string{"FANOUT_THRESHOLD": "1000", "ECS_CALLS_PER_SECOND": "1000"})
	outs := f.mustHandle(readEvent(t, "timer.json"))
	var s outcome.Outcome
	for _, o := range outs {
		if o.Action == outcome.ActionSweep {
			s = o
		}
	}
	if s.Counts[outcome.CountImages] != 304 || s.Counts[string(outcome.Succeeded)] != 304 {
		t.Fatalf("sweep counts %v", s.Counts)
	}
	counts := f.emu.Faults.Counts()
	if counts["ListAccountsForParent"] != 5 || counts["ListFoldersForParent"] != 4 ||
		s.APICalls["ListAccountsForParent"] != 5 || s.APICalls["ListFoldersForParent"] != 4 {
		t.Fatalf("emulator %v, summary apiCalls %v: want one read (5 + 4 calls) for 304 images", counts, s.APICalls)
	}
}

// TestDirectoryThrottledPastRetries: a directory throttled past every retry
// is retryable, fails the rules that need it, prunes nothing.
func TestDirectoryThrottledPastRetries(t *testing.T) {
	w := orgWorld(t, "1000000000000001")
	w.Faults = []world.Fault{{API: "ListFoldersForParent", Code: "Throttling.User", Times: 1000}}
	f := newOrgFixture(t, w)
	o := f.mustHandle(reconcile("m-apps-1"))[0]
	if len(o.Failures) != 1 || o.Failures[0].Code != outcome.DirectoryUnavailable || !o.Failures[0].Retryable ||
		!strings.Contains(o.Failures[0].Message, "gave up after 8 attempts") || len(o.Removed) != 0 {
		t.Fatalf("outcome %+v", o)
	}
	if !slices.Equal(f.shared("m-apps-1"), []string{"9000000000000001"}) {
		t.Fatalf("shared with %v", f.shared("m-apps-1"))
	}
}

// TestShareWithDirectoryGroup: members are on the allow-list, and a request
// may name the group.
func TestShareWithDirectoryGroup(t *testing.T) {
	f := newOrgFixture(t, orgWorld(t, "1000000000000001"))
	o := f.mustHandle(`{"action": "share", "regionId": "cn-hangzhou", "imageId": "m-ops-1", "accounts": ["data", "2110000000000001", "2100000000000003"]}`)[0]
	if !slices.Equal(o.Added, []string{"2110000000000001", "2200000000000001"}) || len(o.Failures) != 1 ||
		o.Failures[0].Account != "2100000000000003" || o.Failures[0].Code != outcome.PolicyDenied {
		t.Fatalf("outcome %+v: want the group's member and the folder member shared, the failed account denied", o)
	}
	if got := o.Because["2200000000000001"]; !slices.Equal(got, []string{"request/data"}) {
		t.Fatalf("because %v", got)
	}
}

// TestFannedOutSweepReadsOncePerInvocation: a sweep that fans out reads the
// directory in none of its own calls, and each work-queue batch (one
// invocation) reads it once, whatever the number of images in it.
func TestFannedOutSweepReadsOncePerInvocation(t *testing.T) {
	w := orgWorld(t, "1000000000000001")
	for i := range 300 {
		w.Images = append(w.Images, world.Image{ID: fmt.Sprintf("m-bulk-%03d", i), Region: w.Region, Owner: w.Owner,
			Status: "Available", Encryption: "none", Tags: map[string]string{"team": "apps"}})
	}
	f := newOrgFixture(t, w, map[string]string{"FANOUT_THRESHOLD": "50", "FANOUT_IMAGES_PER_MESSAGE": "100", "ECS_CALLS_PER_SECOND": "1000"})
	outs := f.mustHandle(readEvent(t, "timer.json"))
	if len(outs) != 1 || outs[0].Counts[outcome.CountFannedOut] != 304 || outs[0].Counts[outcome.CountMessages] != 4 {
		t.Fatalf("sweep %+v", outs)
	}
	if n := f.emu.Faults.Counts()["ListAccountsForParent"]; n != 0 {
		t.Fatalf("the fan-out itself read the directory (%d calls)", n)
	}
	var msgs []eventbridge.Message
	for i, m := range f.emu.MNS.Messages("work") {
		msgs = append(msgs, eventbridge.Message{ID: fmt.Sprintf("MSG-%d", i), Body: m.Body, DequeueCount: 1, EnqueueTime: f.emu.Clock.Now()})
	}
	// Two batches of two messages, as the work-queue trigger delivers them.
	for _, batch := range [][]eventbridge.Message{msgs[:2], msgs[2:]} {
		payload, err := eventbridge.Encode("work", w.Owner, w.Region, batch)
		if err != nil {
			t.Fatal(err)
		}
		f.mustHandle(string(payload))
	}
	if got := f.shared("m-bulk-299"); !slices.Equal(got, []string{"2100000000000001", "2100000000000002", "2110000000000001"}) {
		t.Fatalf("m-bulk-299 shared with %v", got)
	}
	if c := f.emu.Faults.Counts(); c["ListAccountsForParent"] != 10 || c["ListFoldersForParent"] != 8 {
		t.Fatalf("%v for two invocations, want 10 ListAccountsForParent and 8 ListFoldersForParent (one read of 5 + 4 each)", c)
	}
}
