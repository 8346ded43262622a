package cli

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	leakSecret = "cli-leak-secret-Value/9"
	leakToken  = "CAIS+cli/leak=token*42"
)

// leaks lists each credential form found in text.
func leaks(text string) []string {
	var found []string
	for _, s := range []string{leakSecret, leakToken, url.QueryEscape(leakToken), url.QueryEscape(url.QueryEscape(leakToken)), url.QueryEscape(leakSecret)} {
		if strings.Contains(text, s) {
			found = append(found, s)
		}
	}
	return found
}

// closedEndpoint returns the URL of a port nothing listens on: calls to it
// fail with "connection refused", and Go's error quotes the signed URL.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestPlanApplyNeverPrintCredentials runs plan and apply with credentials
// from the environment (as CI would) and from flags, against an unreachable
// endpoint and against the emulator with a wrong secret, and asks for help
// and mistypes a flag: no credential may appear on stdout or stderr.
func TestPlanApplyNeverPrintCredentials(t *testing.T) {
	e := newPlanEnv(t)
	dead := closedEndpoint(t)
	env := map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":     planKey,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": leakSecret,
		"ALIBABA_CLOUD_SECURITY_TOKEN":    leakToken,
	}
	base := []string{"--policy", e.policy, "--region", "cn-hangzhou", "--timeout", "2s"}
	tests := []struct {
		name string
		args []string
		want string // shows the path was taken
	}{
		{"help", []string{"--help"}, "-security-token"},
		{"mistyped flag", []string{"--acess-key-secret", "x"}, "unknown flag --acess-key-secret (did you mean --access-key-secret?)"},
		{"unreachable endpoint, one image", append(base, "--ecs-endpoint", dead, "--image", "m-prod"), "connection refused"},
		{"unreachable endpoint, list", append(base, "--ecs-endpoint", dead), "connection refused"},
		{"signature mismatch", append(base, "--ecs-endpoint", e.url, "--image", "m-prod"), "PermissionDenied"},
		{"credentials as flags", append(base, "--ecs-endpoint", dead, "--image", "m-prod",
			"--access-key-id", planKey, "--access-key-secret", leakSecret, "--security-token", leakToken), "connection refused"},
	}
	for _, apply := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(map[bool]string{false: "plan/", true: "apply/"}[apply]+tt.name, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // retries that cannot fit are not made
				defer cancel()
				run := planCommand(apply)
				run(ctx, tt.args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
				all := stdout.String() + stderr.String()
				if l := leaks(all); len(l) > 0 {
					t.Errorf("printed %q:\n%s", l, all)
				}
				if !strings.Contains(all, tt.want) {
					t.Errorf("output lacks %q, so the path was not taken:\n%s", tt.want, all)
				}
			})
		}
	}
}

// TestLocalNeverPrintsCredentials is the reproduction: a world with
// an STS token whose DescribeImages always resets, run by local.
func TestLocalNeverPrintsCredentials(t *testing.T) {
	data, err := os.ReadFile("../../testdata/world/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Replace(string(data), "credentials:\n", "credentials:\n  securityToken: \""+leakToken+"\"\n", 1)
	w = strings.Replace(w, "local-test-secret", leakSecret, 1)
	w += "\nfaults: [{api: DescribeImages, code: reset, times: 100}]\n"
	if !strings.Contains(w, leakToken) || !strings.Contains(w, leakSecret) {
		t.Fatal("the demo world's credentials changed; update this test")
	}
	path := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(path, []byte(w), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	code := Run(context.Background(), []string{"local", "--world", path, "--log-level", "DEBUG", "--policy", "../../testdata/demo/policy.yaml",
		"--event", "../../testdata/demo/events/01-actiontrail-createimage-golden.json"}, repoEnv(&stdout, &stderr))
	all := stdout.String() + stderr.String()
	if code != 0 || !strings.Contains(all, "CloudUnavailable") {
		t.Fatalf("exit %d, no CloudUnavailable outcome, so the path was not taken:\n%s", code, all)
	}
	if l := leaks(all); len(l) > 0 {
		t.Errorf("printed %q:\n%s", l, all)
	}
}
