package cli

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestEndlessInputFilesAreRefused: /dev/zero given as an event, a policy or
// a world used to be read until memory ran out. Every command now refuses
// it with a message and a usage-error exit code.
func TestEndlessInputFilesAreRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	const (
		world  = "../../testdata/world/demo.yaml"
		policy = "../../testdata/demo/policy.yaml"
		event  = "../../testdata/demo/events/01-actiontrail-createimage-golden.json"
	)
	tests := []struct {
		name string
		args []string
	}{
		{"local --event", []string{"local", "--world", world, "--policy", policy, "--event", "/dev/zero"}},
		{"local --policy", []string{"local", "--world", world, "--policy", "/dev/zero", "--event", event}},
		{"local --world", []string{"local", "--world", "/dev/zero", "--policy", policy, "--event", event}},
		{"validate --policy", []string{"validate", "--policy", "/dev/zero"}},
		{"plan --policy", []string{"plan", "--policy", "/dev/zero", "--region", "cn-hangzhou", "--access-key-id", "a", "--access-key-secret", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(context.Background(), tt.args, repoEnv(&stdout, &stderr))
			if code == 0 || !strings.Contains(stderr.String(), "/dev/zero") || !strings.Contains(stderr.String(), "larger than the limit") {
				t.Errorf("exit %d, stderr %q", code, stderr.String())
			}
		})
	}
}
