package engine

import (
	"slices"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// TestVerifyJudgesOnlyItsOwnAccounts has another writer change the share
// list between applying and verifying: accounts it added or removed are its
// business, not a VerificationFailed of this request; an account this
// request changed and the read-back contradicts still is one.
func TestVerifyJudgesOnlyItsOwnAccounts(t *testing.T) {
	tests := []struct {
		name     string
		other    func(shared []string) []string // the other writer's change
		added    []string
		verFail  []string
		status   outcome.Status
		unchange []string
	}{
		{"other adds and removes untouched accounts",
			func(s []string) []string {
				return append(slices.DeleteFunc(s, func(a string) bool { return a == acct(100) }), acct(110), acct(111))
			},
			accts(1, 5), nil, outcome.Succeeded, nil},
		{"other removes an account this request claims unchanged",
			func(s []string) []string { return slices.DeleteFunc(s, func(a string) bool { return a == acct(101) }) },
			accts(1, 5), nil, outcome.Succeeded, []string{acct(101)}},
		{"other removes an account this request added",
			func(s []string) []string { return slices.DeleteFunc(s, func(a string) bool { return a == acct(2) }) },
			[]string{acct(1), acct(3), acct(4)}, []string{acct(2)}, outcome.Partial, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *env
			e = newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 102)}),
				withConfig(func(c *Config) {
					c.AfterApply = func(imageID string) {
						im, _ := e.svc.Image(imageID)
						im.SharedWith = tt.other(im.SharedWith)
						e.svc.PutImage(im)
					}
				}))
			in := Intent{Kind: Delta, Add: accts(1, 5)}
			if tt.unchange != nil {
				in.Add = append(in.Add, tt.unchange...)
			}
			res := e.run("m-1", in)
			if got := failuresBy(res.Failures, outcome.VerificationFailed); !slices.Equal(got, tt.verFail) {
				t.Errorf("VerificationFailed for %v, want %v", got, tt.verFail)
			}
			if !slices.Equal(res.Added, tt.added) || res.Status != tt.status {
				t.Errorf("added %v status %s, want %v %s", res.Added, res.Status, tt.added, tt.status)
			}
			if !slices.Equal(res.Unchanged, tt.unchange) {
				t.Errorf("unchanged %v, want %v", res.Unchanged, tt.unchange)
			}
		})
	}
}

// TestQuotaUsedMeanwhileFailsOnlyItsAccounts: the plan fits the quota as
// observed, but the service answers a batch with its quota error (another
// writer used the room): that batch's accounts get ShareQuotaExceeded, the
// image gets no error, and the next batch still goes.
func TestQuotaUsedMeanwhileFailsOnlyItsAccounts(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 130)}),
		withFaults(world.Fault{API: apiModify, Code: "QuotaExceed.ShareImageUser"}))
	res := e.run("m-1", Intent{Kind: Delta, Add: accts(1, 16)})
	if res.Err != nil {
		t.Fatalf("image-level error %v, want none", res.Err)
	}
	if got := failuresBy(res.Failures, outcome.ShareQuotaExceeded); !slices.Equal(got, accts(1, 11)) {
		t.Errorf("ShareQuotaExceeded for %v, want %v", got, accts(1, 11))
	}
	for _, f := range res.Failures {
		if !f.Retryable {
			t.Errorf("%s: %s not retryable; the room may free again", f.Account, f.Code)
		}
	}
	if !slices.Equal(res.Added, accts(11, 16)) || res.Status != outcome.Partial {
		t.Errorf("added %v status %s, want %v partial", res.Added, res.Status, accts(11, 16))
	}
	if n := e.modifyCalls(); n != 2 {
		t.Errorf("%d ModifyImageSharePermission calls, want 2 (no retry of a quota answer)", n)
	}
}
