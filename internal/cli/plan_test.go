package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/clock"
	ecsemu "github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

const (
	planOwner  = "1000000000000001"
	planKey    = "LTAI5tPlanTestKey"
	planSecret = "plan-test-secret"
)

// prodPrune is why prune removes a share from an image the prod rule matches.
const prodPrune = "prune (prod-images): no matching rule wants it"

func planAcct(n int) string { return fmt.Sprintf("2%015d", n) }

// planEnv is an ECS emulator with images in two regions, a policy file, and
// a home folder whose aliyun CLI config holds the world's credentials.
type planEnv struct {
	svc    *ecsemu.Service
	inj    *fault.Injector
	url    string
	policy string
	home   string
	dir    string
}

// planPolicy: prod images everywhere (no regions: the home region),
// staging images in cn-shanghai only.
const planPolicy = `version: 1
groups:
  prod: ["%s", "%s"]
  staging: ["%s"]
rules:
  - name: prod-images
    match: {tags: {env: prod}}
    shareWith: [prod]
  - name: staging-images
    match: {tags: {env: staging}, regions: [cn-shanghai]}
    shareWith: [staging]
prune: true
protect: ["%s"]
`

func newPlanEnv(t *testing.T) *planEnv {
	t.Helper()
	w := &world.World{
		Region:      "cn-hangzhou",
		Owner:       planOwner,
		Credentials: world.Credentials{AccessKeyID: planKey, AccessKeySecret: planSecret},
		Accounts:    []string{planAcct(1), planAcct(2), planAcct(3), planAcct(4), planAcct(9)},
		Images: []world.Image{
			{ID: "m-prod", Tags: map[string]string{"env": "prod"}, SharedWith: []string{planAcct(3), planAcct(9)}},
			{ID: "m-dev", Tags: map[string]string{"env": "dev"}},
			{ID: "m-theirs", Owner: "3000000000000001", SharedWith: []string{planOwner}},
			{ID: "m-stage", Region: "cn-shanghai", Tags: map[string]string{"env": "staging"}},
			{ID: "m-secret", Region: "cn-shanghai", Tags: map[string]string{"env": "staging"}, Encryption: "service-key"},
			{ID: "m-old", Region: "cn-shanghai", Tags: map[string]string{"env": "staging"}, Status: "Deprecated"},
		},
		StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := ecsemu.New(w, clock.NewManual(w.StartTime), inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })

	dir := t.TempDir()
	e := &planEnv{svc: svc, inj: inj, url: srv.URL, dir: dir, home: filepath.Join(dir, "home")}
	e.policy = e.write(t, "policy.yaml", fmt.Sprintf(planPolicy, planAcct(1), planAcct(2), planAcct(4), planAcct(9)))
	// What `aliyun configure` writes; the test sets no environment variable.
	e.write(t, "home/.aliyun/config.json", fmt.Sprintf(`{"current": "default", "profiles": [
	  {"name": "default", "mode": "AK", "access_key_id": %q, "access_key_secret": %q, "region_id": "cn-hangzhou"},
	  {"name": "other", "mode": "AK", "access_key_id": "LTAIwrong", "access_key_secret": "wrong", "region_id": "cn-beijing"}]}`,
		planKey, planSecret))
	return e
}

func (e *planEnv) write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs plan or apply with the emulator's endpoint and only HOME in
// the environment.
func (e *planEnv) run(t *testing.T, apply bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return e.runEnv(t, apply, Env{}, args...)
}

func (e *planEnv) runEnv(t *testing.T, apply bool, env Env, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr = &out, &errb
	env.Getenv = func(k string) string {
		if k == "HOME" {
			return e.home
		}
		return ""
	}
	args = append([]string{"--policy", e.policy, "--ecs-endpoint", e.url}, args...)
	code := planCommand(apply)(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func decodeReport(t *testing.T, s string) *report {
	t.Helper()
	var rep report
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("--output json is not a report: %v\n%s", err, s)
	}
	return &rep
}

func imageOf(rep *report, id string) *outcome.Outcome {
	for _, o := range rep.Images {
		if o.ImageID == id {
			return o
		}
	}
	return nil
}

func TestPlanEveryRegionFromCLIProfile(t *testing.T) {
	e := newPlanEnv(t)
	code, out, stderr := e.run(t, false, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	for _, want := range []string{
		"credentials from aliyun CLI config " + filepath.Join(e.home, ".aliyun", "config.json"),
		"covering regions cn-shanghai (named by the policy) + cn-hangzhou (home region, for the rules without regions)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, planSecret) || strings.Contains(out, planSecret) {
		t.Error("the secret was written out")
	}
	rep := decodeReport(t, out)
	if !slices.Equal(rep.Regions, []string{"cn-shanghai", "cn-hangzhou"}) || !rep.DryRun || rep.Command != "plan" {
		t.Errorf("regions %v dryRun %v command %q", rep.Regions, rep.DryRun, rep.Command)
	}
	var ids []string
	for _, o := range rep.Images {
		ids = append(ids, o.RegionID+"/"+o.ImageID)
	}
	// In the order the regions are covered, then as ECS lists them.
	if want := []string{"cn-shanghai/m-stage", "cn-shanghai/m-secret", "cn-shanghai/m-old", "cn-hangzhou/m-prod", "cn-hangzhou/m-dev"}; !slices.Equal(ids, want) {
		t.Fatalf("images %v, want %v", ids, want)
	}
	prod := imageOf(rep, "m-prod")
	if prod.Status != outcome.Planned || !slices.Equal(prod.Added, []string{planAcct(1), planAcct(2)}) ||
		!slices.Equal(prod.Removed, []string{planAcct(3)}) || !slices.Equal(prod.Unchanged, []string{planAcct(9)}) {
		t.Errorf("m-prod %+v", prod)
	}
	// Every removal and every protected account kept says why.
	if got := prod.Because[planAcct(3)]; !slices.Equal(got, []string{prodPrune}) {
		t.Errorf("because of the removal = %v", got)
	}
	if got := prod.Because[planAcct(9)]; !slices.Equal(got, []string{engine.ProtectReason}) {
		t.Errorf("because of the protected account = %v", got)
	}
	if dev := imageOf(rep, "m-dev"); dev.Status != outcome.Unchanged {
		t.Errorf("m-dev status %s, want unchanged", dev.Status)
	}
	// A refusal the plan can decide from what it observed; a service-key
	// image is only refused by the service, at apply.
	if old := imageOf(rep, "m-old"); old.Status != outcome.Failed || old.Error == nil || old.Error.Code != outcome.ImageUnavailable {
		t.Errorf("m-old %+v", old)
	}
	tot := rep.Totals
	if tot.Images != 5 || tot.Add != 4 || tot.Remove != 1 || tot.RefusedImages != 1 || tot.Refusals != 1 || tot.Unchanged != 1 || tot.Errors != 0 {
		t.Errorf("totals %+v", tot)
	}
	byRule := map[string]ruleTotals{}
	for _, r := range rep.Rules {
		byRule[r.Rule] = *r
	}
	if len(byRule) != 2 || byRule["prod-images"] != (ruleTotals{Rule: "prod-images", Images: 1, Add: 2, Remove: 1}) ||
		byRule["staging-images"] != (ruleTotals{Rule: "staging-images", Images: 3, Add: 2, Refused: 1}) {
		t.Errorf("rules %+v", byRule)
	}
	if n := e.inj.Counts()["ModifyImageSharePermission"]; n != 0 {
		t.Errorf("plan made %d ModifyImageSharePermission calls", n)
	}
}

func TestPlanTextSaysWhy(t *testing.T) {
	e := newPlanEnv(t)
	code, out, stderr := e.run(t, false, "--region", "cn-hangzhou")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	for _, want := range []string{
		"image m-prod (cn-hangzhou): Available",
		"+ " + planAcct(1) + "  (prod-images/prod)",
		"- " + planAcct(3) + "  (" + prodPrune + ")",
		"= " + planAcct(9) + "  (protect: protected by the policy, never removed)",
		"1 ModifyImageSharePermission call(s): +2 -1",
		"status planned",
		"image m-dev (cn-hangzhou): Available, owner " + planOwner + ", shared with 0, tags env=dev\n  status unchanged",
		"Plan: 2 images in cn-hangzhou: 2 to add, 1 to remove, 0 refused (0 images, 0 accounts), 1 image unchanged.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "region cn-hangzhou (--region)") {
		t.Errorf("stderr does not say which region: %s", stderr)
	}
}

func TestPlanMarkdown(t *testing.T) {
	e := newPlanEnv(t)
	code, out, stderr := e.run(t, false, "--output", "markdown")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "#### ecs-image-share plan: 4 to add, 1 to remove, 1 refused\n") {
		t.Errorf("heading: %q", strings.SplitN(out, "\n", 2)[0])
	}
	rows := markdownRowsOf(out)
	want := map[string][]string{
		"prod-images":    {"1", "2", "1", "0"},
		"staging-images": {"3", "2", "0", "1"},
		"m-prod":         {"cn-hangzhou", "planned", "2", "1", ""},
		"m-old":          {"cn-shanghai", "failed", "0", "0", "ImageUnavailable"},
	}
	for k, w := range want {
		if !slices.Equal(rows[k], w) {
			t.Errorf("row %s = %q, want %q", k, rows[k], w)
		}
	}
	if _, ok := rows["m-dev"]; ok {
		t.Error("an unchanged image is listed in the PR comment")
	}
}

// markdownRowsOf parses the table rows of a markdown document: first cell → the others.
func markdownRowsOf(s string) map[string][]string {
	rows := map[string][]string{}
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[cells[0]] = cells[1:]
	}
	return rows
}

func TestPlanDetailedExitCode(t *testing.T) {
	e := newPlanEnv(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"changes pending", []string{"--detailed-exitcode"}, 2, ""},
		{"nothing to change", []string{"--detailed-exitcode", "--region", "cn-hangzhou", "--image", "m-dev"}, 0, ""},
		{"a refusal is not an error", []string{"--detailed-exitcode", "--region", "cn-hangzhou", "--image", "m-theirs"}, 0, ""},
		{"without the flag, changes exit 0", nil, 0, ""},
		{"an image that cannot be read", []string{"--detailed-exitcode", "--region", "cn-hangzhou", "--image", "m-nope"}, 1, "image m-nope (cn-hangzhou): ImageNotFound"},
		{"a usage error is 1, not 2", []string{"--detailed-exitcode", "--output", "yaml"}, 1, `--output "yaml": want text, json or markdown`},
		{"a region that does not exist", []string{"--detailed-exitcode", "--region", "xx-nowhere-1"}, 1, "region xx-nowhere-1: listing the images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := e.run(t, false, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d containing %q", code, stderr, tt.code, tt.stderr)
			}
			if code == 1 && !strings.Contains(stderr, "plan: ") {
				t.Errorf("exit 1 without a reason: %q", stderr)
			}
		})
	}
}

func TestPlanBaseline(t *testing.T) {
	e := newPlanEnv(t)
	// The change: staging also gets account 3, and the prod rule loses account 2.
	next := e.write(t, "new.yaml", fmt.Sprintf(planPolicy, planAcct(1), planAcct(1), planAcct(4)+`", "`+planAcct(3), planAcct(9)))
	code, out, stderr := e.runEnv(t, false, Env{}, "--policy", next, "--baseline", e.policy, "--output", "json", "--detailed-exitcode")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (the change makes a difference); stderr: %s", code, stderr)
	}
	rep := decodeReport(t, out)
	d := rep.Baseline
	if d == nil || d.Totals.Images != 3 || d.Totals.Gained != 2 || d.Totals.Lost != 1 {
		t.Fatalf("baseline %+v", d)
	}
	byImage := map[string]*imageDiff{}
	for _, id := range d.Images {
		byImage[id.ImageID] = id
	}
	if p := byImage["m-prod"]; p == nil || len(p.Gained) != 0 || !slices.Equal(p.Lost, []string{planAcct(2)}) ||
		!slices.Equal(p.Because[planAcct(2)], []string{"baseline: prod-images/prod"}) {
		t.Errorf("m-prod diff %+v", p)
	}
	if s := byImage["m-stage"]; s == nil || !slices.Equal(s.Gained, []string{planAcct(3)}) ||
		!slices.Equal(s.Because[planAcct(3)], []string{"staging-images/staging"}) {
		t.Errorf("m-stage diff %+v", s)
	}
	rules := map[string]ruleDiff{}
	for _, r := range d.Rules {
		rules[r.Rule] = *r
	}
	if rules["prod-images"] != (ruleDiff{Rule: "prod-images", Images: 1, Lost: 1}) || rules["staging-images"] != (ruleDiff{Rule: "staging-images", Images: 2, Gained: 2}) {
		t.Errorf("rules %+v", rules)
	}

	// The same run as a PR comment, and no change at all.
	code, out, _ = e.runEnv(t, false, Env{}, "--policy", next, "--baseline", e.policy, "--output", "markdown")
	if code != 0 || !strings.Contains(out, "gains 2 accounts and loses 1 account on 3 images") {
		t.Errorf("exit %d, markdown:\n%s", code, out)
	}
	rows := markdownRowsOf(out)
	if !slices.Equal(rows["staging-images"], []string{"2", "2", "0"}) || !slices.Equal(rows["m-prod"], []string{"cn-hangzhou", "", planAcct(2)}) {
		t.Errorf("rows %q", rows)
	}
	code, out, stderr = e.runEnv(t, false, Env{}, "--baseline", e.policy, "--detailed-exitcode")
	if code != 0 || !strings.Contains(out, "Policy change: 0 images: 0 accounts gained, 0 accounts lost.") {
		t.Errorf("same policy: exit %d, out %s, stderr %s", code, out, stderr)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name     string
		env      Env
		args     []string
		code     int
		changed  bool
		stderr   []string
		noStderr string
	}{
		{name: "a terminal answering no changes nothing", env: Env{Interactive: true, Stdin: strings.NewReader("no\n")}, code: 1,
			stderr: []string{"Plan: 2 images", "will remove 1 share(s) from 1 image(s)", "Type yes", "cancelled at the confirmation: nothing was changed"}},
		{name: "a terminal answering yes", env: Env{Interactive: true, Stdin: strings.NewReader("yes\n")}, code: 0, changed: true,
			stderr: []string{"Type yes"}},
		{name: "--yes does not ask", env: Env{Interactive: true, Stdin: strings.NewReader("")}, args: []string{"--yes"}, code: 0, changed: true,
			noStderr: "Type yes"},
		{name: "no terminal, no question", env: Env{Stdin: strings.NewReader("")}, args: []string{"--detailed-exitcode"}, code: 2, changed: true,
			noStderr: "Type yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPlanEnv(t)
			code, out, stderr := e.runEnv(t, true, tt.env, append(tt.args, "--output", "json", "--region", "cn-hangzhou")...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if tt.noStderr != "" && strings.Contains(stderr, tt.noStderr) {
				t.Errorf("stderr has %q:\n%s", tt.noStderr, stderr)
			}
			got := slices.Sorted(slices.Values(e.svc.SharedWith("m-prod")))
			want := []string{planAcct(3), planAcct(9)}
			if tt.changed {
				want = []string{planAcct(1), planAcct(2), planAcct(9)}
			}
			if !slices.Equal(got, want) {
				t.Errorf("m-prod shared with %v, want %v", got, want)
			}
			if !tt.changed {
				return
			}
			rep := decodeReport(t, out)
			prod := imageOf(rep, "m-prod")
			if rep.DryRun || prod.Status != outcome.Succeeded || prod.DryRun || !slices.Equal(prod.Removed, []string{planAcct(3)}) ||
				!slices.Equal(prod.Because[planAcct(3)], []string{prodPrune}) || prod.Trigger.Type != outcome.TriggerDirect ||
				len(prod.OutcomeID) != 32 {
				t.Errorf("m-prod outcome %+v", prod)
			}
			if dev := imageOf(rep, "m-dev"); dev.Status != outcome.Unchanged || dev.DryRun {
				t.Errorf("m-dev %+v", dev)
			}
			if rep.Totals.Add != 2 || rep.Totals.Remove != 1 {
				t.Errorf("totals %+v", rep.Totals)
			}
		})
	}
}

// TestApplyFailureSaysWhy: a call the service refuses is exit 1, the
// image and the reason on stderr, the others applied.
func TestApplyFailureSaysWhy(t *testing.T) {
	e := newPlanEnv(t)
	code, out, stderr := e.run(t, true, "--region", "cn-shanghai")
	if code != 1 || !strings.Contains(stderr, "apply: exit 1: 1 problem(s):\n  image m-secret (cn-shanghai): EncryptedImageUnsupported") {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if !strings.Contains(out, "Applied: 3 images in cn-shanghai: 1 added, 0 removed, 2 refused (1 image, 1 account), 0 images unchanged, 1 image with errors.") {
		t.Errorf("stdout:\n%s", out)
	}
	if got := e.svc.SharedWith("m-stage"); !slices.Equal(got, []string{planAcct(4)}) {
		t.Errorf("m-stage shared with %v", got)
	}
}

func TestPlanCredentials(t *testing.T) {
	e := newPlanEnv(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"another profile is used, and its key refused", []string{"--profile", "other", "--region", "cn-hangzhou"}, 1, "InvalidAccessKeyId"},
		{"flags override the profile", []string{"--profile", "other", "--region", "cn-hangzhou", "--access-key-id", planKey, "--access-key-secret", planSecret}, 0, "credentials from flags"},
		{"an unknown profile lists what was tried", []string{"--profile", "nope"}, 1, "unable to get profile with 'nope'"},
		{"the home region of --profile", []string{"--profile", "other", "--access-key-id", planKey, "--access-key-secret", planSecret}, 0, "+ cn-beijing (home region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := e.run(t, false, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d stderr %q; want %d containing %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

// TestPlanSaysWhichEndpoint: without --ecs-endpoint the real endpoint is
// named before any call (the context is already over, so none is made).
func TestPlanSaysWhichEndpoint(t *testing.T) {
	e := newPlanEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := planCommand(false)(ctx, []string{"--policy", e.policy, "--region", "cn-hangzhou", "--access-key-id", "a", "--access-key-secret", "b"},
		Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code != 1 || !strings.Contains(stderr.String(), "no --ecs-endpoint: calling the real ECS endpoint https://ecs.cn-hangzhou.aliyuncs.com") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}

	// With --ecs-endpoint but no --rm-endpoint, a policy with directory
	// groups reads the real Resource Directory: said before the call.
	stdout.Reset()
	stderr.Reset()
	planCommand(false)(ctx, []string{"--policy", "../../testdata/demo/policy.yaml", "--region", "cn-hangzhou", "--ecs-endpoint", e.url,
		"--access-key-id", "a", "--access-key-secret", "b"}, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if !strings.Contains(stderr.String(), "no --rm-endpoint: calling the real ResourceManager endpoint https://resourcemanager.aliyuncs.com") {
		t.Errorf("stderr %s", stderr.String())
	}
}

func TestPlanUsageErrors(t *testing.T) {
	e := newPlanEnv(t)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no policy", []string{"--policy", ""}, "--policy is required"},
		{"misspelt flag", []string{"--regoin", "cn-hangzhou"}, "unknown flag --regoin (did you mean --region?)"},
		{"image without region", []string{"--image", "m-prod"}, "--image needs --region"},
		{"bad policy path", []string{"--policy", e.policy + ".missing"}, "missing"},
		{"invalid policy lists every problem", []string{"--policy", "../../testdata/policy/invalid/several-errors.yaml"}, "several-errors.yaml:10:17:"},
		{"invalid baseline", []string{"--baseline", "../../testdata/policy/invalid/typo.yaml"}, "--baseline: "},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"no home region for a rule without regions", []string{"--profile", "other", "--access-key-id", "a", "--access-key-secret", "b", "--policy", e.write(t, "every.yaml",
			"version: 1\nrules:\n  - name: all\n    match: {tags: {a: b}}\n    shareWith: [\""+planAcct(1)+"\"]\n")}, ""},
		{"half the credential flags", []string{"--access-key-id", "a"}, "go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := e.run(t, false, tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d stderr %q, want 1 containing %q", code, stderr, tt.msg)
			}
		})
	}
}

// TestErrorsNameOnlyKnownFlags: every --flag an error message of plan or
// apply names is one of its flags, so --help explains it.
func TestErrorsNameOnlyKnownFlags(t *testing.T) {
	e := newPlanEnv(t)
	flagRE := regexp.MustCompile(`--[a-z][a-z-]*`)
	for _, apply := range []bool{false, true} {
		var help bytes.Buffer
		if _, err := parsePlanFlags(map[bool]string{false: "plan", true: "apply"}[apply], []string{"--help"}, &help); err != flag.ErrHelp {
			t.Fatalf("--help: %v", err)
		}
		for _, args := range [][]string{
			{"--policy", ""}, {"--image", "x"}, {"--output", "x"}, {"--concurrency", "0"}, {"--rate", "0"},
			{"--access-key-id", "a"}, {"--regoin", "x"}, {"--profile", "nope"}, {"--baseline", "x"},
		} {
			if apply && args[0] == "--baseline" {
				continue // plan's only
			}
			code, _, stderr := e.run(t, apply, args...)
			if code != 1 {
				t.Errorf("%v: exit %d", args, code)
			}
			for _, f := range flagRE.FindAllString(stderr, -1) {
				if f == "--regoin" || f == "--help" {
					continue
				}
				if !strings.Contains(help.String(), "-"+f[2:]+" ") && !strings.Contains(help.String(), "-"+f[2:]+"\n") {
					t.Errorf("%v: the error names %s, which --help does not list:\n%s", args, f, stderr)
				}
			}
		}
	}
}

func TestPlanHelpShowsNoCredential(t *testing.T) {
	e := newPlanEnv(t)
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		return map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-value", "HOME": e.home}[k]
	}}
	if code := planCommand(false)(context.Background(), []string{"--help"}, env); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(stderr.String(), "env-secret-value") || !strings.Contains(stderr.String(), "-detailed-exitcode") {
		t.Errorf("help:\n%s", stderr.String())
	}
	_ = io.Discard
}

// TestPlanProgressOnlyOnATerminal: with stderr a terminal (the caller's
// decision, progress.IsTerminal in main) plan and apply draw a bar on
// stderr; without one nothing is added, and stdout is the same either way.
func TestPlanProgressOnlyOnATerminal(t *testing.T) {
	for _, apply := range []bool{false, true} {
		outs := map[bool]string{}
		for _, terminal := range []bool{false, true} {
			e := newPlanEnv(t)
			args := []string{"--region", "cn-hangzhou"}
			if apply {
				args = append(args, "--yes")
			}
			code, out, stderr := e.runEnv(t, apply, Env{StderrTerminal: terminal}, args...)
			if code != 0 && code != 1 {
				t.Fatalf("apply=%v terminal=%v: exit %d: %s", apply, terminal, code, stderr)
			}
			if drew := strings.Contains(stderr, "\r"); drew != terminal {
				t.Errorf("apply=%v terminal=%v: progress drawn=%v; stderr %q", apply, terminal, drew, stderr)
			}
			outs[terminal] = out
		}
		if !apply && outs[false] != outs[true] {
			t.Errorf("plan's stdout differs with a terminal:\n%s\n---\n%s", outs[false], outs[true])
		}
	}
}
