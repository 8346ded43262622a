package handler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// TestRaisedQuotaThroughThePolicy: a policy's maxSharesPerImage reaches the
// engine's plan. The account's quota was raised to 60 (world shareQuota);
// a policy that says so shares with all 55 accounts its two rules want; one
// that does not stops at ECS's default 50, before calling.
func TestRaisedQuotaThroughThePolicy(t *testing.T) {
	var ids []string
	for i := 1; i <= 55; i++ {
		ids = append(ids, fmt.Sprintf("%q", fmt.Sprintf("5%015d", i)))
	}
	for _, tt := range []struct {
		name        string
		maxShares   string
		wantAdded   int
		wantRefused int
	}{
		{"declared", "maxSharesPerImage: 60\n", 55, 0},
		{"not declared", "", 50, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := testWorld()
			w.ShareQuota = 60
			w.Images = append(w.Images, world.Image{ID: "m-big-6", Tags: map[string]string{"tier": "big"}, Region: w.Region, Owner: w.Owner, Status: "Available", Encryption: "none"})
			for i := 1; i <= 55; i++ {
				w.Accounts = append(w.Accounts, fmt.Sprintf("5%015d", i))
			}
			// Two rules of 30 and 25 accounts: each within 50, together 55.
			pol := "version: 1\n" + tt.maxShares + "groups:\n  a: [" + strings.Join(ids[:30], ", ") + "]\n  b: [" + strings.Join(ids[30:], ", ") + "]\n" +
				"rules:\n  - name: a\n    match: {tags: {tier: big}}\n    shareWith: [a]\n" +
				"  - name: b\n    match: {tags: {tier: big}}\n    shareWith: [b]\n"
			f := newFixtureWith(t, w, pol)
			outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-big-6"}`)
			if len(outs) != 1 {
				t.Fatalf("%d outcomes", len(outs))
			}
			o := outs[0]
			refused := 0
			for _, fl := range o.Failures {
				if fl.Code == outcome.ShareQuotaExceeded {
					refused++
				}
			}
			if len(o.Added) != tt.wantAdded || refused != tt.wantRefused || len(o.Failures) != refused {
				t.Errorf("added %d, %d ShareQuotaExceeded, failures %v; want %d added, %d refused", len(o.Added), refused, o.Failures, tt.wantAdded, tt.wantRefused)
			}
			if got := len(f.emu.ECS.SharedWith("m-big-6")); got != tt.wantAdded {
				t.Errorf("shared with %d", got)
			}
		})
	}
}
