package cli

import (
	"context"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		out, lines []string // stdout substrings; stderr lines that must appear
	}{
		{args: []string{"--policy", "../../testdata/policy/example.yaml"}, code: 0,
			out: []string{"valid", "3 rules", "3 groups", "8 allowed accounts"}},
		{args: []string{"--policy", "../../testdata/policy/invalid/typo.yaml"}, code: 1,
			lines: []string{"typo.yaml:", "shareWth"}},
		{args: []string{"--policy", "../../testdata/policy/invalid/several-errors.yaml"}, code: 1,
			lines: []string{"several-errors.yaml:4:30:", "several-errors.yaml:10:17:", "11 problem(s)"}},
		{args: []string{"--policy", "does-not-exist.yaml"}, code: 1, lines: []string{"does-not-exist.yaml"}},
		{args: nil, code: 2, lines: []string{"usage: validate --policy FILE"}},
		{args: []string{"--polcy", "x.yaml"}, code: 2, lines: []string{"validate: unknown flag --polcy (did you mean --policy?); see validate --help"}},
		{args: []string{"--help"}, code: 0, lines: []string{"usage of validate:", "-policy"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(context.Background(), append([]string{"validate"}, tt.args...), repoEnv(&stdout, &stderr))
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			for _, s := range tt.out {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout %q lacks %q", stdout.String(), s)
				}
			}
			for _, s := range tt.lines {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}
