package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

func planAcct(n int) string { return fmt.Sprintf("2%015d", n) }

// planEnv is an ECS emulator and a policy file for the plan command.
type planEnv struct {
	svc    *ecsemu.Service
	inj    *fault.Injector
	url    string
	policy string
}

func newPlanEnv(t *testing.T) *planEnv {
	t.Helper()
	w := &world.World{
		Region:      "cn-hangzhou",
		Owner:       planOwner,
		Credentials: world.Credentials{AccessKeyID: planKey, AccessKeySecret: planSecret},
		Accounts:    []string{planAcct(1), planAcct(2), planAcct(3), planAcct(9)},
		Images: []world.Image{
			{ID: "m-prod", Tags: map[string]string{"env": "prod"}, SharedWith: []string{planAcct(3), planAcct(9)}},
			{ID: "m-dev", Tags: map[string]string{"env": "dev"}},
			{ID: "m-theirs", Owner: "3000000000000001", SharedWith: []string{planOwner}},
		},
		StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := ecsemu.New(w, clock.NewManual(w.StartTime), inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })

	pol := filepath.Join(t.TempDir(), "policy.yaml")
	body := fmt.Sprintf(`version: 1
groups:
  prod: ["%s", "%s"]
rules:
  - name: prod-images
    match: {tags: {env: prod}}
    shareWith: [prod]
prune: true
protect: ["%s"]
`, planAcct(1), planAcct(2), planAcct(9))
	if err := os.WriteFile(pol, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &planEnv{svc: svc, inj: inj, url: srv.URL, policy: pol}
}

func (e *planEnv) args(extra ...string) []string {
	return append([]string{"--policy", e.policy, "--region", "cn-hangzhou", "--ecs-endpoint", e.url,
		"--access-key-id", planKey, "--access-key-secret", planSecret}, extra...)
}

func TestPlanChangesNothing(t *testing.T) {
	e := newPlanEnv(t)
	var stdout, stderr bytes.Buffer
	code := runPlan(context.Background(), e.args("--image", "m-prod"), &stdout, &stderr, false)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"image m-prod (cn-hangzhou): Available",
		"+ " + planAcct(1) + "  (prod-images/prod)",
		"- " + planAcct(3),
		"1 ModifyImageSharePermission call(s): +2 -1",
		"status planned",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "- "+planAcct(9)) {
		t.Errorf("plan removes a protected account:\n%s", out)
	}
	if n := e.inj.Counts()["ModifyImageSharePermission"]; n != 0 {
		t.Errorf("plan made %d ModifyImageSharePermission calls", n)
	}
}

func TestApplyPrintsOutcomes(t *testing.T) {
	e := newPlanEnv(t)
	var stdout, stderr bytes.Buffer
	// No --image: every image the caller owns (not m-theirs).
	code := runPlan(context.Background(), e.args(), &stdout, &stderr, true)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	byImage := map[string]outcome.Outcome{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var o outcome.Outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("not an outcome: %q: %v", line, err)
		}
		byImage[o.ImageID] = o
	}
	if len(byImage) != 2 || byImage["m-theirs"].ImageID != "" {
		t.Fatalf("outcomes for %v, want m-prod and m-dev", slices.Collect(maps.Keys(byImage)))
	}
	prod := byImage["m-prod"]
	if prod.Status != outcome.Succeeded || !slices.Equal(prod.Added, []string{planAcct(1), planAcct(2)}) ||
		!slices.Equal(prod.Removed, []string{planAcct(3)}) || prod.Trigger.Type != outcome.TriggerDirect ||
		prod.Action != outcome.ActionReconcile || len(prod.OutcomeID) != 32 || prod.Attempt != 1 {
		t.Errorf("m-prod outcome %+v", prod)
	}
	if byImage["m-dev"].Status != outcome.Unchanged {
		t.Errorf("m-dev status %s", byImage["m-dev"].Status)
	}
	got := slices.Sorted(slices.Values(e.svc.SharedWith("m-prod")))
	if want := []string{planAcct(1), planAcct(2), planAcct(9)}; !slices.Equal(got, want) {
		t.Errorf("m-prod shared with %v, want %v", got, want)
	}
}

func TestPlanPruneOverrideAndEnvCredentials(t *testing.T) {
	e := newPlanEnv(t)
	env := map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":     planKey,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": planSecret,
	}
	args := []string{"--policy", e.policy, "--region", "cn-hangzhou", "--ecs-endpoint", e.url, "--image", "m-prod", "--prune=false"}
	var stdout, stderr bytes.Buffer
	run := planCommand(false)
	code := run(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "- "+planAcct(3)) {
		t.Errorf("--prune=false still removes:\n%s", stdout.String())
	}
}

func TestPlanExitCodes(t *testing.T) {
	e := newPlanEnv(t)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"refused image", e.args("--image", "m-theirs"), 1, ""},
		{"missing image", e.args("--image", "m-nope"), 1, ""},
		{"no policy", []string{"--region", "cn-hangzhou", "--access-key-id", "a", "--access-key-secret", "b"}, 2, "--policy is required"},
		{"no credentials", []string{"--policy", e.policy, "--region", "cn-hangzhou"}, 2, "credentials"},
		{"bad policy path", []string{"--policy", e.policy + ".missing", "--region", "cn-hangzhou", "--access-key-id", "a", "--access-key-secret", "b"}, 2, "missing"},
		{"stray argument", e.args("extra"), 2, "unexpected arguments"},
		{"wrong secret", append(e.args("--image", "m-prod"), "--access-key-secret", "wrong"), 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(string) string { return "" }
			code := planWith(context.Background(), tt.args, &stdout, &stderr, getenv, false)
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("exit %d stderr %q, want %d containing %q", code, stderr.String(), tt.code, tt.msg)
			}
		})
	}
}
