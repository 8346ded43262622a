package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// TestLocalDemoShowsEveryPath runs the embedded demo and checks that each
// path the README promises shows up in the outcomes on stdout.
func TestLocalDemoShowsEveryPath(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := Run(context.Background(), []string{"local"}, repoEnv(&stdout, &stderr)); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	type key struct{ image, action, trigger string }
	got := map[key][]outcome.Outcome{}
	var outs []outcome.Outcome
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		var o outcome.Outcome
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("stdout line %d is not an outcome: %v", lines, err)
		}
		k := key{o.ImageID, o.Action, o.Trigger.Type}
		got[k] = append(got[k], o)
		outs = append(outs, o)
	}
	one := func(image, action, trig string) outcome.Outcome {
		t.Helper()
		os := got[key{image, action, trig}]
		if len(os) != 1 {
			t.Fatalf("%d outcomes for %s %s via %s, want 1", len(os), action, image, trig)
		}
		return os[0]
	}
	if o := one("m-golden-001", "reconcile", "actiontrail"); o.Status != outcome.Succeeded || len(o.Added) != 12 || o.APICalls["ModifyImageSharePermission"] != 2 {
		t.Errorf("new image shared to more than 10: %+v", o)
	}
	if o := one("m-creating-002", "reconcile", "actiontrail"); o.Status != outcome.Deferred {
		t.Errorf("creating image not deferred: %+v", o)
	}
	if o := one("m-creating-002", "reconcile", "mns-queue"); o.Status != outcome.Succeeded || o.Attempt != 2 || len(o.Added) != 12 {
		t.Errorf("deferred image not shared later: %+v", o)
	}
	if o := one("m-encrypted-003", "reconcile", "actiontrail"); o.Error == nil || o.Error.Code != outcome.EncryptedImageUnsupported {
		t.Errorf("service-key image not refused: %+v", o)
	}
	if o := one("m-golden-001", "share", "direct"); o.Status != outcome.Partial || len(o.Failures) != 1 || o.Failures[0].Code != outcome.AccountNotFound {
		t.Errorf("unknown account not isolated: %+v", o)
	}
	if o := one("m-partner-005", "share", "mns-queue"); len(o.Failures) != 1 || o.Failures[0].Code != outcome.PolicyDenied {
		t.Errorf("denied account not refused: %+v", o)
	}
	if o := one("", "unknown", "mns-queue"); o.Error == nil || o.Error.Code != outcome.InvalidRequest {
		t.Errorf("malformed body: %+v", o)
	}
	if o := one("m-staging-004", "reconcile", "timer"); len(o.Removed) != 1 || o.Removed[0] != "2000000000000001" {
		t.Errorf("timer did not prune: %+v", o)
	} else if got := o.Because["2100000000000004"]; len(got) != 1 || got[0] != "staging-images/staging-org (folder fd-stagingorg)" {
		// A member of the staging folder's subfolder, from the directory.
		t.Errorf("the staging folder's members were not shared: %+v", o)
	}
	// Seven images and the re-encrypted copy in cn-hangzhou, the first copy
	// in cn-shanghai (the second is made after the sweep).
	if o := one("", "sweep", "timer"); o.Counts[outcome.CountImages] != 9 {
		t.Errorf("sweep summary: %+v", o)
	}
	// Distribution: one copy per copyTo region, each shared once Available.
	var copies []outcome.Outcome
	for _, o := range outs {
		if o.Action == outcome.ActionCopy && o.SourceImageID == "m-global-006" && o.Status == outcome.Succeeded {
			copies = append(copies, o)
		}
	}
	if len(copies) != 2 || copies[0].RegionID != "cn-shanghai" || copies[1].RegionID != "ap-southeast-1" {
		t.Fatalf("copies of m-global-006: %+v", copies)
	}
	for _, c := range copies {
		if o := one(c.ImageID, "reconcile", "mns-queue"); o.Status != outcome.Succeeded || len(o.Added) != 12 {
			t.Errorf("copy %s in %s not shared: %+v", c.ImageID, c.RegionID, o)
		}
	}
	// The service-key image: its copy under the CMK is shared instead.
	src := one("m-secure-007", "reconcile", "actiontrail")
	if src.Status != outcome.Unchanged || src.Error != nil || len(src.Copies) != 1 {
		t.Fatalf("service-key image with reencrypt: %+v", src)
	}
	if o := one(src.Copies[0].ImageID, "reconcile", "mns-queue"); o.Status != outcome.Succeeded || len(o.Added) != 12 {
		t.Errorf("re-encrypted copy not shared: %+v", o)
	}
	for _, want := range []string{"invocations", "STATUS", "ModifyImageSharePermission", "ResourceManager calls: ListAccountsForParent", "9 images: 2 succeeded, 2 unchanged, 3 notReady, 2 refused"} {

		if !strings.Contains(stderr.String(), want) {
			t.Errorf("summary on stderr lacks %q", want)
		}
	}
}

func TestLocalRejectsUnusableInput(t *testing.T) {
	bad := t.TempDir() + "/policy.yaml"
	if err := os.WriteFile(bad, []byte("version: 1\nrulez: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"local", "--policy", bad, "--world", "../../testdata/world/demo.yaml", "--event", "../../testdata/demo/events/01-actiontrail-createimage-golden.json"},
		{"local", "--event", "does-not-exist.json", "--world", "../../testdata/world/demo.yaml", "--policy", "../../testdata/demo/policy.yaml"},
		{"local", "--work-queue", "nope"},
	} {
		var stderr strings.Builder
		if code := Run(context.Background(), args, repoEnv(&strings.Builder{}, &stderr)); code == 0 {
			t.Errorf("%v: exit 0", args)
		} else if !strings.Contains(stderr.String(), "local:") {
			t.Errorf("%v: stderr %q has no clear message", args, stderr.String())
		}
	}
}

// TestLocalDeadLettersWhatKeepsFailing: a work-queue batch whose invocation
// keeps failing (every outcome send after the first fails) is retried as the
// deployed trigger's BACKOFF_RETRY says and then put on the dead-letter
// queue, instead of being delivered again forever.
func TestLocalDeadLettersWhatKeepsFailing(t *testing.T) {
	demo, err := os.ReadFile("../../testdata/world/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	worldFile := t.TempDir() + "/world.yaml"
	faults := "faults:\n  - {api: SendMessage, queue: image-share-outcomes, code: InternalError, after: 1, times: 100000}\n"
	if err := os.WriteFile(worldFile, append(demo, faults...), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	args := []string{"local", "--world", worldFile, "--policy", "../../testdata/demo/policy.yaml", "--event", "../../testdata/demo/events/02-actiontrail-createimage-creating.json"}
	if code := Run(context.Background(), args, repoEnv(&stdout, &stderr)); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "failed 4 times: EventBridge put it on image-share-dlq") {
		t.Errorf("stderr does not report the dead-lettered batch:\n%s", stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 1 {
		t.Errorf("%d outcomes on stdout, want the one published before the faults", n)
	}
}

// TestLocalNeverMixesDemoFiles: given some of the user's files, local
// refuses to fill the rest from the demo, and names what is missing.
func TestLocalNeverMixesDemoFiles(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--world", "../../testdata/world/demo.yaml"}, "--world given, so the embedded demo's files are not used: also give --policy and --event"},
		{[]string{"--policy", "../../testdata/demo/policy.yaml"}, "--policy given, so the embedded demo's files are not used: also give --world and --event"},
		{[]string{"--world", "../../testdata/world/demo.yaml", "--policy", "../../testdata/demo/policy.yaml"}, "also give --event (or none of the three, for the demo)"},
		{[]string{"--event", "x.json"}, "also give --world and --policy"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(context.Background(), append([]string{"local"}, tt.args...), repoEnv(&stdout, &stderr))
			if code != 1 || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout.String(), stderr.String(), tt.want)
			}
		})
	}
}

// TestLocalReportsTheWorkQueuesVisibility: a world whose work queue hands
// messages out again sooner than the function may wait is reported before
// the run, a note when it only shortens the wait, a warning when the queue
// cannot work at all; the demo's (as deployed) gets neither.
func TestLocalReportsTheWorkQueuesVisibility(t *testing.T) {
	demo, err := os.ReadFile("../../testdata/world/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		visibility string
		want       string // "" for no report
	}{
		{"660s", ""},
		{"30s", "local: note: world queue \"image-share-work\" (visibilityTimeout 30s): the work queue's VisibilityTimeout of 30s caps WAIT_READY_SECONDS"},
		{"12s", "local: warning: world queue \"image-share-work\" (visibilityTimeout 12s): the work queue's VisibilityTimeout of 12s leaves 7s"},
	}
	for _, tt := range tests {
		t.Run(tt.visibility, func(t *testing.T) {
			w := strings.Replace(string(demo), "visibilityTimeout: 660s", "visibilityTimeout: "+tt.visibility, 1)
			if w == string(demo) && tt.visibility != "660s" {
				t.Fatal("the demo world's work queue line changed: update this test")
			}
			path := t.TempDir() + "/world.yaml"
			if err := os.WriteFile(path, []byte(w), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr strings.Builder
			args := []string{"local", "--world", path, "--policy", "../../testdata/demo/policy.yaml",
				"--event", "../../testdata/demo/events/02-actiontrail-createimage-creating.json"}
			if code := Run(context.Background(), args, repoEnv(&stdout, &stderr)); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
			}
			reported := strings.Contains(stderr.String(), "world queue \"image-share-work\"")
			switch {
			case tt.want == "" && reported:
				t.Errorf("reported a queue that works:\n%s", stderr.String())
			case tt.want != "" && !strings.Contains(stderr.String(), tt.want):
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
		})
	}
}
