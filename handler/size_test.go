package handler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// TestNoOutcomeTooLargeToPublish: the three ways in to an outcome above
// MNS's 64 KiB that the adversarial pass found. Each must be published
// (cut, saying so), and the invocation must succeed, so that the rest of
// its batch is not retried with it forever.
func TestNoOutcomeTooLargeToPublish(t *testing.T) {
	var bogus []string
	for i := range 200 {
		// 64-byte names (the longest a request takes); JSON escapes "<" as
		// \u003c, 6 bytes, and each name is echoed twice per failure.
		bogus = append(bogus, fmt.Sprintf(`"%03d%s"`, i, strings.Repeat("<", 61)))
	}
	share := `{"action":"share","regionId":"cn-hangzhou","imageId":"m-prod-1","accounts":[` + strings.Join(bogus, ",") + `]}`

	var big []string
	for i := range 3000 {
		big = append(big, fmt.Sprintf(`"5%015d"`, i))
	}
	largeGroup := strings.Replace(testPolicy, `partners: ["3000000000000001"]`, `partners: [`+strings.Join(big, ", ")+`]`, 1)

	var bad strings.Builder
	bad.WriteString("version: 1\ngroups:\n")
	for i := range 600 {
		fmt.Fprintf(&bad, "  g%d: [%d]\n", i, 2000000000000000+i) // unquoted ids: one problem each
	}
	bad.WriteString("rules: []\n")

	tests := []struct {
		name    string
		policy  string
		payload string
		cut     string // the Truncated key expected
	}{
		{"14 KB share request naming 200 long bogus accounts", testPolicy, share, outcome.TruncatedFailures},
		{"a large group through shareWithTagValue", largeGroup,
			`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-partner-5"}`, outcome.TruncatedBecause},
		{"an invalid policy with hundreds of problems", bad.String(),
			`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`, outcome.TruncatedStrings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, perr := policy.Parse("policy.yaml", []byte(tt.policy))
			f := newFixture(t, func(_ *handler.Config, d *handler.Deps) { d.Policy, d.PolicyErr = pol, perr })
			outs, err := f.handle(tt.payload)
			if err != nil && perr == nil {
				t.Fatalf("invocation failed: %v", err)
			}
			if len(outs) != 1 {
				t.Fatalf("%d outcomes published, want 1", len(outs))
			}
			if outs[0].Truncated[tt.cut] == 0 {
				t.Errorf("truncated = %v, want %s counted", outs[0].Truncated, tt.cut)
			}
			body := f.emu.MNS.Messages("outcomes")[0].Body
			if len(body) > outcome.MaxMessageBytes {
				t.Errorf("published %d bytes", len(body))
			}
		})
	}
}
