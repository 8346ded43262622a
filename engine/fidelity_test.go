package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// withWorld changes the emulated world before the emulator starts.
func withWorld(f func(*world.World)) envOption {
	return func(w *world.World, _ *Config, _ *ecsclient.Config) { f(w) }
}

// otherSite is an account of the other site (China vs international).
const otherSite = "5000000000000001"

// TestPerAccountErrorsIsolated: one bad account among 25 (three calls'
// worth) costs only its own share, whichever per-account error the service
// answers and whichever wording its message uses. When the message names
// the account (the current reference), the engine drops it without
// bisecting: one extra call; when it does not (the seed), it bisects.
func TestPerAccountErrorsIsolated(t *testing.T) {
	tests := []struct {
		name      string
		bad       string
		ecsCode   string
		named     bool
		wantExtra func(int) bool
	}{
		{"unknown account, named", unknown, "InvalidAccount.NotFound", true, func(n int) bool { return n == 1 }},
		{"unknown account, unnamed", unknown, "InvalidAccount.NotFound", false, func(n int) bool { return n > 1 }},
		{"other-site account, named", otherSite, "InvalidImageId.BidMismatch", true, func(n int) bool { return n == 1 }},
		{"other-site account, unnamed", otherSite, "InvalidImageId.BidMismatch", false, func(n int) bool { return n > 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1"}), withWorld(func(w *world.World) {
				w.OtherSiteAccounts = []string{otherSite}
				w.AccountInMessage = tt.named
			}))
			// The bad account sorts into the second batch; 24 good ones around it.
			good := accts(1, 25)
			res := e.run("m-1", Intent{Desired: append(slices.Clone(good), tt.bad)})
			if got := e.shared("m-1"); !slices.Equal(got, good) {
				t.Fatalf("shared with %d accounts %v, want the 24 good ones", len(got), got)
			}
			if got := failuresBy(res.Failures, outcome.AccountNotFound); !slices.Equal(got, []string{tt.bad}) {
				t.Fatalf("AccountNotFound for %v, want [%s]; failures %v", got, tt.bad, res.Failures)
			}
			f := res.Failures[0]
			if f.ECSCode != tt.ecsCode || f.Retryable {
				t.Errorf("failure %+v, want ECS code %s, not retryable", f, tt.ecsCode)
			}
			if res.Status != outcome.Partial || res.Err != nil {
				t.Errorf("status %s err %v, want partial and no image-level error", res.Status, res.Err)
			}
			if !tt.wantExtra(res.ExtraCalls) {
				t.Errorf("%d extra calls for this wording", res.ExtraCalls)
			}
			t.Logf("%d calls (plan: 3)", e.modifyCalls())
			if twice := sentTwice(e.svc.ModifyLog()); len(twice) > 0 {
				t.Errorf("sent again after success: %v", twice)
			}
		})
	}
}

// TestNumericAliyunID: DescribeImageSharePermission answering AliyunId as a
// JSON number (the reference's response example) reads the same as a string,
// digits intact above 2^53, so nothing is re-added and verification passes.
func TestNumericAliyunID(t *testing.T) {
	// 9007199254740993 is 2^53+1: a float64 would turn it into ...992.
	big := []string{"9007199254740993", "9999999999999999"}
	for _, typ := range []string{world.AliyunIDString, world.AliyunIDNumber} {
		t.Run(typ, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: slices.Concat(big, accts(1, 3))}),
				withWorld(func(w *world.World) {
					w.AliyunIDType = typ
					w.Accounts = append(w.Accounts, big...)
				}))
			desired := slices.Concat(big, accts(1, 6))
			res := e.run("m-1", Intent{Desired: desired})
			if res.Observed == nil || !slices.Equal(slices.Sorted(slices.Values(res.Observed.Shared)), slices.Sorted(slices.Values(slices.Concat(big, accts(1, 3))))) {
				t.Fatalf("observed %+v", res.Observed)
			}
			if !slices.Equal(res.Added, accts(3, 6)) || res.Status != outcome.Succeeded || len(res.Failures) > 0 || res.Err != nil {
				t.Errorf("added %v status %s failures %v err %v", res.Added, res.Status, res.Failures, res.Err)
			}
			if got := slices.Sorted(slices.Values(res.Unchanged)); !slices.Equal(got, slices.Sorted(slices.Values(slices.Concat(big, accts(1, 3))))) {
				t.Errorf("unchanged %v", got)
			}
		})
	}
}

// TestRaisedQuota: with the quota raised by ticket (world shareQuota) and
// the policy saying so (Intent.MaxShares), an image goes past 50; without
// the policy's word the engine keeps to 50; and a policy that claims more
// than the account has gets the service's refusal, never more than the
// quota shared.
func TestRaisedQuota(t *testing.T) {
	tests := []struct {
		name              string
		serviceQuota      int
		maxShares         int
		wantShared        int
		wantQuotaFailures int
	}{
		{"raised and declared", 100, 100, 70, 0},
		{"raised, not declared", 100, 0, 50, 20},
		{"declared, not raised", 50, 100, 50, 20},
		{"declared lower than raised", 100, 60, 60, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(1, 41)}),
				withWorld(func(w *world.World) { w.ShareQuota = tt.serviceQuota }))
			res := e.run("m-1", Intent{Desired: accts(1, 71), MaxShares: tt.maxShares})
			if got := len(e.shared("m-1")); got != tt.wantShared {
				t.Errorf("shared with %d accounts, want %d", got, tt.wantShared)
			}
			if got := failuresBy(res.Failures, outcome.ShareQuotaExceeded); len(got) != tt.wantQuotaFailures {
				t.Errorf("%d ShareQuotaExceeded failures %v, want %d", len(got), got, tt.wantQuotaFailures)
			}
			if len(res.Failures) != tt.wantQuotaFailures {
				t.Errorf("failures %v", res.Failures)
			}
		})
	}
}

// TestAccountImageQuotaNotSplit: QuotaExceed.ShareImage is the account's
// limit on images shared; splitting the paired call cannot help, so the
// engine does not try, and says what the limit is.
func TestAccountImageQuotaNotSplit(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 105)}),
		withFaults(world.Fault{API: apiModify, Code: "QuotaExceed.ShareImage", Times: 5}))
	res := e.run("m-1", Intent{Desired: accts(1, 4), Prune: true, MaxRemovals: 10})
	if e.modifyCalls() != 1 {
		t.Errorf("%d calls, want the one that failed", e.modifyCalls())
	}
	if res.Err == nil || res.Err.Code != outcome.ShareQuotaExceeded || !strings.Contains(res.Err.Message, "account-level") {
		t.Errorf("error %+v, want an account-level ShareQuotaExceeded", res.Err)
	}
	if len(res.Added)+len(res.Removed) != 0 || res.Status != outcome.Failed {
		t.Errorf("added %v removed %v status %s", res.Added, res.Removed, res.Status)
	}
}

// TestOperationConflictRetried: 409 OperationConflict ("try again later") is
// retried with backoff; the call was refused, not applied, so nothing is
// read back before the retry.
func TestOperationConflictRetried(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1"}),
		withFaults(world.Fault{API: apiModify, Code: "OperationConflict", Times: 2}))
	res := e.run("m-1", Intent{Desired: accts(1, 4)})
	if res.Status != outcome.Succeeded || !slices.Equal(res.Added, accts(1, 4)) {
		t.Fatalf("status %s added %v failures %v err %v", res.Status, res.Added, res.Failures, res.Err)
	}
	if e.modifyCalls() != 3 || len(e.waits()) < 2 {
		t.Errorf("%d calls, waits %v: want two retries after backoff", e.modifyCalls(), e.waits())
	}
	if n := res.APICalls[apiDescribeShare]; n != 2 {
		t.Errorf("%d DescribeImageSharePermission calls, want 2 (observe, verify): a refused call needs no read-back", n)
	}
}
