package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// TestMinimumModifyCalls shares and unshares mixes of accounts through the
// real SDK client and counts the calls the emulator received.
func TestMinimumModifyCalls(t *testing.T) {
	tests := []struct {
		name    string
		shared  []string
		desired []string
		calls   int
	}{
		{"share 1", nil, accts(1, 2), 1},
		{"share 10", nil, accts(1, 11), 1},
		{"share 11", nil, accts(1, 12), 2},
		{"share 23", nil, accts(1, 24), 3},
		{"share 50", nil, accts(1, 51), 5},
		{"remove 10 add 25", accts(1, 31), accts(11, 56), 3},
		{"full image, swap 15", accts(1, 51), accts(16, 66), 2},
		{"full image, swap 10", accts(1, 51), accts(11, 61), 1},
		{"remove 23 add 3", accts(1, 31), slices.Concat(accts(24, 31), accts(100, 103)), 3},
		{"remove all 50", accts(1, 51), nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: tt.shared}))
			res := e.run("m-1", Intent{Desired: tt.desired, Prune: true, MaxRemovals: -1})
			if got := e.modifyCalls(); got != tt.calls {
				t.Errorf("%d ModifyImageSharePermission calls, want the minimum %d", got, tt.calls)
			}
			if got := e.shared("m-1"); !slices.Equal(got, slices.Sorted(slices.Values(tt.desired))) {
				t.Errorf("shared with %v, want %v", got, tt.desired)
			}
			if res.Status != outcome.Succeeded || len(res.Failures) > 0 || res.Err != nil || res.ExtraCalls != 0 {
				t.Errorf("status %s, failures %v, err %v, extra calls %d", res.Status, res.Failures, res.Err, res.ExtraCalls)
			}
			wantCalls := map[string]int{apiDescribeImages: 1, apiDescribeShare: 2, apiModify: tt.calls}
			if !equalCounts(res.APICalls, wantCalls) {
				t.Errorf("apiCalls %v, want %v", res.APICalls, wantCalls)
			}
			count := len(tt.shared)
			for _, rec := range e.svc.ModifyLog() {
				if len(rec.Add) > 10 || len(rec.Remove) > 10 {
					t.Errorf("a call carried %d adds, %d removes", len(rec.Add), len(rec.Remove))
				}
				if count += len(rec.Added) - len(rec.Removed); count > 50 {
					t.Errorf("%d accounts after a call", count)
				}
			}
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestQuotaRefusedBeforeCalling(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 145)}))
	res := e.run("m-1", Intent{Desired: slices.Concat(accts(100, 145), accts(1, 11))})
	if got := failuresBy(res.Failures, outcome.ShareQuotaExceeded); !slices.Equal(got, accts(6, 11)) {
		t.Errorf("ShareQuotaExceeded for %v, want %v", got, accts(6, 11))
	}
	if !slices.Equal(res.Added, accts(1, 6)) || res.Status != outcome.Partial {
		t.Errorf("added %v status %s, want %v partial", res.Added, res.Status, accts(1, 6))
	}
	if e.modifyCalls() != 1 {
		t.Errorf("%d calls, want 1", e.modifyCalls())
	}
	for _, rec := range e.svc.ModifyLog() {
		for _, id := range accts(6, 11) {
			if slices.Contains(rec.Add, id) {
				t.Errorf("%s was sent although it cannot fit", id)
			}
		}
	}
}

func TestUnknownAccountIsolated(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1"}))
	desired := append(accts(1, 10), unknown)
	res := e.run("m-1", Intent{Desired: desired})
	if got := e.shared("m-1"); !slices.Equal(got, accts(1, 10)) {
		t.Errorf("shared with %v, want the 9 good accounts", got)
	}
	if got := failuresBy(res.Failures, outcome.AccountNotFound); !slices.Equal(got, []string{unknown}) {
		t.Errorf("AccountNotFound for %v, want %s", got, unknown)
	}
	if res.Failures[0].ECSCode != "InvalidAccount.NotFound" || res.Failures[0].RequestID == "" {
		t.Errorf("failure lacks the service's code or request id: %+v", res.Failures[0])
	}
	if res.Status != outcome.Partial || !slices.Equal(res.Added, accts(1, 10)) {
		t.Errorf("status %s added %v", res.Status, res.Added)
	}
	if res.ExtraCalls <= 0 || res.ExtraCalls != e.modifyCalls()-1 {
		t.Errorf("extra calls %d, emulator saw %d calls for a 1-call plan", res.ExtraCalls, e.modifyCalls())
	}
	t.Logf("isolating one bad account among 10 took %d extra calls", res.ExtraCalls)
	if twice := sentTwice(e.svc.ModifyLog()); len(twice) > 0 {
		t.Errorf("sent again after success: %v", twice)
	}
}

// TestTransientFaults injects throttling, 5xx, timeouts and resets (some of
// them after the call took effect) and checks the end state, and that no id
// is sent again once a call carrying it took effect.
func TestTransientFaults(t *testing.T) {
	modify := func(code string, times, after int, apply bool) world.Fault {
		return world.Fault{API: apiModify, Code: code, Times: times, After: after, Apply: apply}
	}
	tests := []struct {
		name   string
		faults []world.Fault
	}{
		{"throttling burst", []world.Fault{modify("Throttling", 3, 0, false)}},
		{"throttling.user mid-run", []world.Fault{modify("Throttling.User", 2, 1, false)}},
		{"503s", []world.Fault{modify("ServiceUnavailable", 2, 1, false)}},
		{"internal error", []world.Fault{modify("InternalError", 1, 0, false)}},
		{"bare 502", []world.Fault{{API: apiModify, Code: "BadGateway", Status: 502, Times: 1}}},
		{"timeout after applying", []world.Fault{modify(world.FaultTimeout, 1, 1, true)}},
		{"timeout before applying", []world.Fault{modify(world.FaultTimeout, 1, 0, false)}},
		{"reset after applying", []world.Fault{modify(world.FaultReset, 2, 0, true)}},
		{"reset before applying", []world.Fault{modify(world.FaultReset, 1, 2, false)}},
		{"read-back throttled too", []world.Fault{
			modify(world.FaultReset, 1, 0, true),
			{API: apiDescribeShare, Code: "Throttling", Times: 2, After: 1},
		}},
		{"describe calls throttled", []world.Fault{{API: "*", Code: "Throttling.Api", Times: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 105)}),
				withFaults(tt.faults...), withTimeout(300*time.Millisecond))
			desired := slices.Concat(accts(1, 24), accts(102, 105))
			res := e.run("m-1", Intent{Desired: desired, Prune: true, MaxRemovals: 10})
			if got := e.shared("m-1"); !slices.Equal(got, slices.Sorted(slices.Values(desired))) {
				t.Errorf("shared with %v, want %v", got, desired)
			}
			if res.Status != outcome.Succeeded || len(res.Failures) > 0 || res.Err != nil {
				t.Errorf("status %s, failures %v, err %v", res.Status, res.Failures, res.Err)
			}
			if !slices.Equal(res.Added, accts(1, 24)) || !slices.Equal(res.Removed, accts(100, 102)) {
				t.Errorf("added %v removed %v", res.Added, res.Removed)
			}
			if twice := sentTwice(e.svc.ModifyLog()); len(twice) > 0 {
				t.Errorf("sent again after the call carrying them took effect: %v", twice)
			}
			if res.APICalls[apiModify] != e.modifyCalls() {
				t.Errorf("result counts %d Modify calls, emulator saw %d", res.APICalls[apiModify], e.modifyCalls())
			}
			if len(e.waits()) == 0 {
				t.Error("retried without backing off")
			}
		})
	}
}

func TestRetriesRunOut(t *testing.T) {
	tests := []struct {
		name  string
		fault world.Fault
		code  outcome.Code
	}{
		{"throttled", world.Fault{API: apiModify, Code: "Throttling", Times: 100}, outcome.Throttled},
		{"unavailable", world.Fault{API: apiModify, Code: "ServiceUnavailable", Times: 100}, outcome.CloudUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1"}), withFaults(tt.fault))
			res := e.run("m-1", Intent{Desired: accts(1, 24)})
			if got := failuresBy(res.Failures, tt.code); !slices.Equal(got, accts(1, 24)) {
				t.Errorf("%s failures for %v, want every account", tt.code, got)
			}
			for _, f := range res.Failures {
				if !f.Retryable {
					t.Errorf("failure %v is not retryable", f)
				}
			}
			if res.Status != outcome.Failed || res.Err == nil || res.Err.Code != tt.code {
				t.Errorf("status %s err %v", res.Status, res.Err)
			}
			// 8 attempts on the first batch; the rest are not tried.
			if e.modifyCalls() != 8 {
				t.Errorf("%d calls, want 8 attempts on the first batch only", e.modifyCalls())
			}
			waits := e.waits()
			if len(waits) != 7 {
				t.Fatalf("%d waits, want 7", len(waits))
			}
			for i, w := range waits {
				ceiling := min(10*time.Second, 200*time.Millisecond<<i)
				if w < ceiling/2 || w > ceiling {
					t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, ceiling/2, ceiling)
				}
			}
		})
	}
}

func TestRetriesStopAtDeadline(t *testing.T) {
	// The deadline is on the engine's (emulated) clock, which the recorded
	// sleeps move: 3 seconds of backoff fit, 8 attempts do not. The clock
	// starts a day ahead of real time so the context itself never expires.
	e := newEnv(t, withImage(world.Image{ID: "m-1"}), withStartTime(time.Now().Add(24*time.Hour)),
		withFaults(world.Fault{API: apiModify, Code: "Throttling", Times: 100}))
	ctx, cancel := context.WithDeadline(context.Background(), e.clk.Now().Add(3*time.Second))
	defer cancel()
	res := e.eng.Run(ctx, ImageRequest{Region: region, ImageID: "m-1", Decide: want(Intent{Desired: accts(1, 3)})})
	if res.Err == nil || res.Err.Code != outcome.Throttled || !res.Err.Retryable {
		t.Fatalf("err %v, want retryable Throttled", res.Err)
	}
	var total time.Duration
	for _, w := range e.waits() {
		total += w
	}
	if total >= 3*time.Second || e.modifyCalls() >= 8 {
		t.Errorf("waited %v over %d calls past a 3s deadline", total, e.modifyCalls())
	}
}

func TestRefusalsMakeNoModifyCall(t *testing.T) {
	tests := []struct {
		image     string
		code      outcome.Code
		retryable bool
	}{
		{"m-creating", outcome.ImageNotReady, true},
		{"m-waiting", outcome.ImageNotReady, true},
		{"m-unavailable", outcome.ImageUnavailable, false},
		{"m-failed", outcome.ImageUnavailable, false},
		{"m-deprecated", outcome.ImageUnavailable, false},
		{"m-theirs", outcome.ImageNotOwned, false},
		{"m-missing", outcome.ImageNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			e := newEnv(t)
			res := e.run(tt.image, Intent{Desired: accts(1, 3)})
			if res.Err == nil || res.Err.Code != tt.code || res.Err.Retryable != tt.retryable {
				t.Errorf("err %v, want %s (retryable %v)", res.Err, tt.code, tt.retryable)
			}
			if res.Status != outcome.Failed {
				t.Errorf("status %s, want failed", res.Status)
			}
			if n := e.modifyCalls(); n != 0 {
				t.Errorf("%d ModifyImageSharePermission calls, want 0", n)
			}
			var typed *outcome.Error
			if !errorsAs(res.Err, &typed) {
				t.Error("the refusal is not an *outcome.Error")
			}
		})
	}
}

func errorsAs(err *outcome.Error, target **outcome.Error) bool {
	if err == nil {
		return false
	}
	*target = err
	return true
}

func TestServiceKeyEncryptedStopsAtOneCall(t *testing.T) {
	e := newEnv(t)
	res := e.run("m-svckey", Intent{Desired: accts(1, 24)})
	if n := e.modifyCalls(); n > 1 {
		t.Errorf("%d calls for a service-key image, want at most 1", n)
	}
	if res.Err == nil || res.Err.Code != outcome.EncryptedImageUnsupported || res.Err.Retryable {
		t.Fatalf("err %v, want non-retryable EncryptedImageUnsupported", res.Err)
	}
	if !strings.Contains(res.Err.Message, "CopyImage") || !strings.Contains(res.Err.Message, "KMS") {
		t.Errorf("message does not tell the remedy: %s", res.Err.Message)
	}
	if got := failuresBy(res.Failures, outcome.EncryptedImageUnsupported); len(got) != 23 {
		t.Errorf("%d accounts reported, want all 23", len(got))
	}
	if !res.Observed.Encrypted {
		t.Error("the observation missed the encryption")
	}
	if len(e.waits()) != 0 {
		t.Error("an encryption refusal was retried")
	}
}

func TestCMKEncryptedShares(t *testing.T) {
	e := newEnv(t)
	res := e.run("m-cmk", Intent{Desired: accts(1, 3)})
	if res.Status != outcome.Succeeded || !slices.Equal(e.shared("m-cmk"), accts(1, 3)) {
		t.Errorf("status %s, shared %v", res.Status, e.shared("m-cmk"))
	}
}

func TestSecondRunChangesNothing(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(50, 60)}))
	in := Intent{Desired: accts(1, 24), Prune: true, MaxRemovals: -1}
	first := e.run("m-1", in)
	calls := e.modifyCalls()
	second := e.run("m-1", in)
	if e.modifyCalls() != calls {
		t.Errorf("the second run made %d ModifyImageSharePermission calls, want 0", e.modifyCalls()-calls)
	}
	if first.Status != outcome.Succeeded || second.Status != outcome.Unchanged {
		t.Errorf("statuses %s then %s, want succeeded then unchanged", first.Status, second.Status)
	}
	if !slices.Equal(second.Unchanged, accts(1, 24)) {
		t.Errorf("second run unchanged = %v", second.Unchanged)
	}
	// Nothing applied: no verification read either.
	if second.APICalls[apiDescribeShare] != 1 || second.APICalls[apiModify] != 0 {
		t.Errorf("second run apiCalls %v", second.APICalls)
	}
}

// TestVerifyCatchesDifferences changes the share list behind the engine's
// back between applying and verifying, as a service that silently ignored
// part of a call (the older reading of the more-than-10 rule) would.
func TestVerifyCatchesDifferences(t *testing.T) {
	var e *env
	e = newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 102)}),
		withConfig(func(c *Config) {
			c.AfterApply = func(imageID string) {
				im, _ := e.svc.Image(imageID)
				// acct(3) vanishes, acct(100) comes back.
				im.SharedWith = append(slices.DeleteFunc(im.SharedWith, func(a string) bool { return a == acct(3) }), acct(100))
				im.AvailableAfter = 0
				e.svc.PutImage(im)
			}
		}))
	res := e.run("m-1", Intent{Desired: slices.Concat(accts(1, 6), accts(101, 102)), Prune: true, MaxRemovals: 10})
	if got := failuresBy(res.Failures, outcome.VerificationFailed); !slices.Equal(got, []string{acct(3), acct(100)}) {
		t.Errorf("VerificationFailed for %v, want %s and %s", got, acct(3), acct(100))
	}
	if slices.Contains(res.Added, acct(3)) || slices.Contains(res.Removed, acct(100)) {
		t.Errorf("contradicted changes still reported: added %v removed %v", res.Added, res.Removed)
	}
	if !slices.Equal(res.Added, []string{acct(1), acct(2), acct(4), acct(5)}) || res.Status != outcome.Partial {
		t.Errorf("added %v status %s", res.Added, res.Status)
	}
}

func TestDryRun(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 103)}))
	res := e.eng.Run(context.Background(), ImageRequest{
		Region: region, ImageID: "m-1", DryRun: true,
		Decide: want(Intent{Desired: accts(1, 13), Prune: true, MaxRemovals: 10}),
	})
	if res.Status != outcome.Planned || !slices.Equal(res.Added, accts(1, 13)) || !slices.Equal(res.Removed, accts(100, 103)) {
		t.Errorf("status %s added %v removed %v", res.Status, res.Added, res.Removed)
	}
	if len(res.Plan.Batches) != 2 {
		t.Errorf("%d planned calls, want 2", len(res.Plan.Batches))
	}
	if e.modifyCalls() != 0 || res.APICalls[apiDescribeShare] != 1 {
		t.Errorf("dry run made calls: %v", e.inj.Counts())
	}
	if !slices.Equal(e.shared("m-1"), accts(100, 103)) {
		t.Error("dry run changed the share list")
	}
}

func TestWaitReady(t *testing.T) {
	e := newEnv(t)
	res := e.eng.Run(context.Background(), ImageRequest{
		Region: region, ImageID: "m-creating", WaitReady: 5 * time.Minute,
		Decide: want(Intent{Desired: accts(1, 3)}),
	})
	if res.Status != outcome.Succeeded {
		t.Fatalf("status %s err %v", res.Status, res.Err)
	}
	// Available after 100s, polled every 15s: 7 polls.
	if n := len(e.waits()); n != 7 {
		t.Errorf("%d polls, want 7", n)
	}

	e = newEnv(t)
	res = e.eng.Run(context.Background(), ImageRequest{
		Region: region, ImageID: "m-creating", WaitReady: 30 * time.Second,
		Decide: want(Intent{Desired: accts(1, 3)}),
	})
	if res.Err == nil || res.Err.Code != outcome.ImageNotReady || e.modifyCalls() != 0 {
		t.Errorf("err %v after a short wait, %d calls", res.Err, e.modifyCalls())
	}
}

func TestDecideSeesTagsAndErrorsPassThrough(t *testing.T) {
	e := newEnv(t)
	var seen Observed
	res := e.eng.Run(context.Background(), ImageRequest{Region: region, ImageID: "m-golden",
		Decide: func(o Observed) (Intent, error) {
			seen = o
			return Intent{}, &outcome.Error{Code: outcome.InvalidPolicy, Message: "bad policy"}
		}})
	if seen.Tags["env"] != "prod" || seen.OwnerID != owner || seen.Status != "Available" || !seen.Owned() {
		t.Errorf("observed %+v", seen)
	}
	if res.Err == nil || res.Err.Code != outcome.InvalidPolicy || res.Status != outcome.Failed {
		t.Errorf("err %v status %s", res.Err, res.Status)
	}
}

func TestUnshareRequest(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(1, 5)}))
	res := e.run("m-1", Intent{Kind: Delta, Remove: []string{acct(1), acct(2), acct(9)}, Protect: []string{acct(2)}, MaxRemovals: 10})
	if !slices.Equal(res.Removed, []string{acct(1)}) || !slices.Equal(e.shared("m-1"), accts(2, 5)) {
		t.Errorf("removed %v, shared %v", res.Removed, e.shared("m-1"))
	}
	if got := failuresBy(res.Failures, outcome.ProtectedAccount); !slices.Equal(got, []string{acct(2)}) {
		t.Errorf("ProtectedAccount for %v", got)
	}
	o := res.Outcome()
	if o.Status != outcome.Partial || o.ImageID != "m-1" || o.RegionID != region || o.APICalls[apiModify] != 1 {
		t.Errorf("outcome %+v", o)
	}
}

// TestAmbiguousFailureSettledByVerify runs out of attempts on a call that
// failed ambiguously: the final read-back decides what happened.
func TestAmbiguousFailureSettledByVerify(t *testing.T) {
	tests := []struct {
		name    string
		apply   bool
		added   []string
		failed  []string
		status  outcome.Status
		verFail bool
	}{
		{"applied after all", true, accts(1, 4), nil, outcome.Succeeded, false},
		{"not applied", false, nil, accts(1, 4), outcome.Failed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withImage(world.Image{ID: "m-1"}),
				withFaults(world.Fault{API: apiModify, Code: world.FaultReset, Apply: tt.apply}),
				withConfig(func(c *Config) { c.Retry.Attempts = 1 }))
			res := e.run("m-1", Intent{Desired: accts(1, 4)})
			if !slices.Equal(res.Added, tt.added) || res.Status != tt.status {
				t.Errorf("added %v status %s, want %v %s", res.Added, res.Status, tt.added, tt.status)
			}
			if got := failuresBy(res.Failures, outcome.CloudUnavailable); !slices.Equal(got, tt.failed) {
				t.Errorf("CloudUnavailable for %v, want %v", got, tt.failed)
			}
			if got := failuresBy(res.Failures, outcome.VerificationFailed); len(got) > 0 {
				t.Errorf("an unsettled call was reported as a verification failure: %v", got)
			}
		})
	}
}

// TestPairedCallOverQuotaIsSplit covers a service that counts additions
// before removals in one call: the engine retries the call as its removals
// then its additions.
func TestPairedCallOverQuotaIsSplit(t *testing.T) {
	e := newEnv(t, withImage(world.Image{ID: "m-1", SharedWith: accts(100, 150)}),
		withFaults(world.Fault{API: apiModify, Code: "QuotaExceed.ShareImageUser"}))
	res := e.run("m-1", Intent{Desired: slices.Concat(accts(1, 6), accts(105, 150)), Prune: true, MaxRemovals: 10})
	if res.Status != outcome.Succeeded || !slices.Equal(res.Added, accts(1, 6)) || !slices.Equal(res.Removed, accts(100, 105)) {
		t.Errorf("status %s added %v removed %v failures %v", res.Status, res.Added, res.Removed, res.Failures)
	}
	log := e.svc.ModifyLog()
	if len(log) != 2 || len(log[0].Add) != 0 || len(log[1].Remove) != 0 {
		t.Errorf("applied calls %+v, want removals then additions", log)
	}
	if res.ExtraCalls != 2 {
		t.Errorf("extra calls %d, want 2", res.ExtraCalls)
	}
}

func TestNewNeedsClient(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without a client did not fail")
	}
}

func TestListImages(t *testing.T) {
	var images []world.Image
	for i := range 230 {
		images = append(images, world.Image{ID: fmt.Sprintf("m-many-%03d", i)})
	}
	opts := []envOption{withFaults(world.Fault{API: apiDescribeImages, Code: "Throttling", Times: 1, After: 1})}
	for _, im := range images {
		opts = append(opts, withImage(im))
	}
	e := newEnv(t, opts...)
	ids, calls, err := e.eng.ListImages(context.Background(), region)
	if calls[apiDescribeImages] == 0 {
		t.Errorf("calls = %v, want DescribeImages counted", calls)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Every own image, of every status; not the one shared with the caller.
	want := len(testWorld().Images) - 1 + len(images)
	if len(ids) != want || slices.Contains(ids, "m-theirs") || !slices.Contains(ids, "m-creating") {
		t.Errorf("listed %d images, want %d own ones", len(ids), want)
	}
	if n := e.inj.Counts()[apiDescribeImages]; n != 4 {
		t.Errorf("%d DescribeImages calls, want 3 pages and a retry", n)
	}
}

// countingLimiter records every Wait, standing in for a shared rate.Limiter.
type countingLimiter struct {
	waits int
	byAPI map[string]int
}

func (l *countingLimiter) Wait(_ context.Context, api string) error {
	l.waits++
	if l.byAPI == nil {
		l.byAPI = map[string]int{}
	}
	l.byAPI[api]++
	return nil
}

func TestLimiterPacesEveryCall(t *testing.T) {
	lim := &countingLimiter{}
	e := newEnv(t, withImage(world.Image{ID: "m-1"}), withFaults(world.Fault{API: "ModifyImageSharePermission", Code: "Throttling", Times: 1}),
		withConfig(func(c *Config) { c.Limiter = lim }))
	res := e.run("m-1", Intent{Desired: accts(1, 12)})
	if res.Status != outcome.Succeeded {
		t.Fatalf("status %s: %+v", res.Status, res.Err)
	}
	total := 0
	for _, n := range res.APICalls {
		total += n
	}
	if lim.waits != total || total == 0 {
		t.Fatalf("limiter waited %d times for %d calls (retries included)", lim.waits, total)
	}
	if !maps.Equal(lim.byAPI, res.APICalls) {
		t.Fatalf("limiter waited per API %v, calls made %v", lim.byAPI, res.APICalls)
	}
}
