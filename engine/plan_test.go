package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

const owner = "1000000000000001"

// acct returns the n-th test account id.
func acct(n int) string { return fmt.Sprintf("2%015d", n) }

// accts returns the ids of accounts from..to-1.
func accts(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, acct(i))
	}
	return out
}

func observed(shared ...string) Observed {
	return Observed{ImageID: "m-1", Region: "cn-hangzhou", Status: "Available", OwnerID: owner, OwnerAlias: "self", Shared: shared}
}

// failuresBy returns the accounts of the failures with code.
func failuresBy(fs []*outcome.Error, code outcome.Code) []string {
	var out []string
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f.Account)
		}
	}
	return out
}

func batchShape(bs []Batch) [][2]int {
	var out [][2]int
	for _, b := range bs {
		out = append(out, [2]int{len(b.Add), len(b.Remove)})
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name          string
		obs           Observed
		in            Intent
		wantAdd       []string
		wantRemove    []string
		wantUnchanged []string
		wantFail      map[outcome.Code][]string
		wantRefusal   outcome.Code
		wantBatches   [][2]int // {adds, removes} per call
		wantBecause   map[string][]string
	}{
		{
			name:        "owner dropped silently",
			obs:         observed(),
			in:          Intent{Desired: []string{owner, acct(1)}},
			wantAdd:     []string{acct(1)},
			wantBatches: [][2]int{{1, 0}},
		},
		{
			name:          "already shared is unchanged",
			obs:           observed(acct(1)),
			in:            Intent{Desired: []string{acct(1), acct(2)}},
			wantAdd:       []string{acct(2)},
			wantUnchanged: []string{acct(1)},
			wantBatches:   [][2]int{{1, 0}},
		},
		{
			name:          "nothing to do",
			obs:           observed(acct(1)),
			in:            Intent{Desired: []string{acct(1)}},
			wantUnchanged: []string{acct(1)},
		},
		{
			name:          "no prune keeps extra shares",
			obs:           observed(acct(1), acct(9)),
			in:            Intent{Desired: []string{acct(1)}},
			wantUnchanged: []string{acct(1)},
		},
		{
			name:          "prune removes what is not desired",
			obs:           observed(acct(1), acct(8), acct(9)),
			in:            Intent{Desired: []string{acct(1), acct(2)}, Prune: true, MaxRemovals: 10},
			wantAdd:       []string{acct(2)},
			wantRemove:    []string{acct(8), acct(9)},
			wantUnchanged: []string{acct(1)},
			wantBatches:   [][2]int{{1, 2}},
		},
		{
			name:          "prune keeps protected, listed with its reason, not a failure",
			obs:           observed(acct(8), acct(9)),
			in:            Intent{Prune: true, Protect: []string{acct(9)}, MaxRemovals: 10},
			wantRemove:    []string{acct(8)},
			wantUnchanged: []string{acct(9)},
			wantBecause:   map[string][]string{acct(8): {PruneReason}, acct(9): {ProtectReason}},
			wantBatches:   [][2]int{{0, 1}},
		},
		{
			name:        "the intent's own removal reason wins",
			obs:         observed(acct(8)),
			in:          Intent{Prune: true, MaxRemovals: 10, Because: map[string][]string{acct(8): {"prod-images: prune"}}},
			wantRemove:  []string{acct(8)},
			wantBecause: map[string][]string{acct(8): {"prod-images: prune"}},
			wantBatches: [][2]int{{0, 1}},
		},
		{
			name:          "unshare: protected refused, unshared unchanged",
			obs:           observed(acct(1), acct(2)),
			in:            Intent{Kind: Delta, Remove: []string{acct(1), acct(2), acct(3)}, Protect: []string{acct(2)}, MaxRemovals: 10},
			wantRemove:    []string{acct(1)},
			wantUnchanged: []string{acct(3)},
			wantFail:      map[outcome.Code][]string{outcome.ProtectedAccount: {acct(2)}},
			wantBatches:   [][2]int{{0, 1}},
		},
		{
			name:          "share: owner dropped, shared unchanged, duplicates once",
			obs:           observed(acct(1)),
			in:            Intent{Kind: Delta, Add: []string{acct(2), owner, acct(1), acct(2)}},
			wantAdd:       []string{acct(2)},
			wantUnchanged: []string{acct(1)},
			wantBatches:   [][2]int{{1, 0}},
		},
		{
			name:     "delta adding and removing one account",
			obs:      observed(acct(1)),
			in:       Intent{Kind: Delta, Add: []string{acct(1)}, Remove: []string{acct(1)}},
			wantFail: map[outcome.Code][]string{outcome.InvalidRequest: {acct(1)}},
		},
		{
			name:        "malformed ids refused before calling",
			obs:         observed(),
			in:          Intent{Desired: []string{"prod", "123", acct(1)}},
			wantAdd:     []string{acct(1)},
			wantFail:    map[outcome.Code][]string{outcome.InvalidAccountID: {"prod", "123"}},
			wantBatches: [][2]int{{1, 0}},
		},
		{
			name:        "caller's failures pass through",
			obs:         observed(),
			in:          Intent{Kind: Delta, Add: []string{acct(1)}, Failures: []*outcome.Error{{Account: acct(7), Code: outcome.PolicyDenied}}},
			wantAdd:     []string{acct(1)},
			wantFail:    map[outcome.Code][]string{outcome.PolicyDenied: {acct(7)}},
			wantBatches: [][2]int{{1, 0}},
		},
		{
			name:        "removals above the guard refused whole, adds still go",
			obs:         observed(accts(1, 12)...),
			in:          Intent{Desired: []string{acct(50)}, Prune: true, MaxRemovals: 10},
			wantAdd:     []string{acct(50)},
			wantFail:    map[outcome.Code][]string{outcome.RemovalLimitExceeded: accts(1, 12)},
			wantBatches: [][2]int{{1, 0}},
		},
		{
			name:     "zero guard allows no removal",
			obs:      observed(acct(1)),
			in:       Intent{Prune: true},
			wantFail: map[outcome.Code][]string{outcome.RemovalLimitExceeded: {acct(1)}},
		},
		{
			name:        "removals at the guard go",
			obs:         observed(accts(1, 4)...),
			in:          Intent{Prune: true, MaxRemovals: 3},
			wantRemove:  accts(1, 4),
			wantBatches: [][2]int{{0, 3}},
		},
		{
			name:        "negative guard is unbounded",
			obs:         observed(accts(1, 31)...),
			in:          Intent{Prune: true, MaxRemovals: -1},
			wantRemove:  accts(1, 31),
			wantBatches: [][2]int{{0, 10}, {0, 10}, {0, 10}},
		},
		{
			name:        "quota: lowest ids kept",
			obs:         observed(accts(100, 145)...),
			in:          Intent{Kind: Delta, Add: slices.Concat(accts(10, 20))},
			wantAdd:     accts(10, 15),
			wantFail:    map[outcome.Code][]string{outcome.ShareQuotaExceeded: accts(15, 20)},
			wantBatches: [][2]int{{5, 0}},
		},
		{
			name:          "quota counts planned removals",
			obs:           observed(accts(100, 150)...),
			in:            Intent{Desired: accts(1, 16), Prune: true, MaxRemovals: -1, Protect: accts(105, 150)},
			wantAdd:       accts(1, 6),
			wantRemove:    accts(100, 105),
			wantUnchanged: accts(105, 150),
			wantFail:      map[outcome.Code][]string{outcome.ShareQuotaExceeded: accts(6, 16)},
			wantBatches:   [][2]int{{5, 5}},
		},
		{
			name:          "quota full, swap 10 for 10 in one call",
			obs:           observed(accts(100, 150)...),
			in:            Intent{Desired: slices.Concat(accts(1, 11), accts(110, 150)), Prune: true, MaxRemovals: 10},
			wantAdd:       accts(1, 11),
			wantRemove:    accts(100, 110),
			wantBatches:   [][2]int{{10, 10}},
			wantUnchanged: accts(110, 150),
		},
		{
			name:          "quota full, removals front-loaded",
			obs:           observed(accts(100, 150)...),
			in:            Intent{Desired: slices.Concat(accts(1, 21), accts(120, 150)), Prune: true, MaxRemovals: 20},
			wantAdd:       accts(1, 21),
			wantRemove:    accts(100, 120),
			wantBatches:   [][2]int{{10, 10}, {10, 10}},
			wantUnchanged: accts(120, 150),
		},
		{
			name:        "removals outnumber adds",
			obs:         observed(accts(100, 123)...),
			in:          Intent{Desired: accts(1, 6), Prune: true, MaxRemovals: -1},
			wantAdd:     accts(1, 6),
			wantRemove:  accts(100, 123),
			wantBatches: [][2]int{{5, 10}, {0, 10}, {0, 3}},
		},
		{
			name:        "not owned: refused whatever is wanted",
			obs:         Observed{ImageID: "m-1", Status: "Available", OwnerID: "3000000000000001", OwnerAlias: "others"},
			in:          Intent{Desired: []string{acct(1)}},
			wantRefusal: outcome.ImageNotOwned,
		},
		{
			name:        "creating with changes: not ready",
			obs:         Observed{ImageID: "m-1", Status: "Creating", OwnerID: owner, OwnerAlias: "self"},
			in:          Intent{Desired: []string{acct(1)}},
			wantRefusal: outcome.ImageNotReady,
		},
		{
			name:        "waiting with changes: not ready",
			obs:         Observed{ImageID: "m-1", Status: "Waiting", OwnerID: owner, OwnerAlias: "self"},
			in:          Intent{Desired: []string{acct(1)}},
			wantRefusal: outcome.ImageNotReady,
		},
		{
			name: "creating with nothing to do: empty plan",
			obs:  Observed{ImageID: "m-1", Status: "Creating", OwnerID: owner, OwnerAlias: "self"},
			in:   Intent{},
		},
		{
			name:        "create failed",
			obs:         Observed{ImageID: "m-1", Status: "CreateFailed", OwnerID: owner, OwnerAlias: "self"},
			in:          Intent{Desired: []string{acct(1)}},
			wantRefusal: outcome.ImageUnavailable,
		},
		{
			name:        "unavailable",
			obs:         Observed{ImageID: "m-1", Status: "UnAvailable", OwnerID: owner, OwnerAlias: "self"},
			in:          Intent{Desired: []string{acct(1)}},
			wantRefusal: outcome.ImageUnavailable,
		},
		{
			name:        "deprecated",
			obs:         Observed{ImageID: "m-1", Status: "Deprecated", OwnerID: owner, OwnerAlias: "self", Shared: []string{acct(1)}},
			in:          Intent{Prune: true, MaxRemovals: 10},
			wantRefusal: outcome.ImageUnavailable,
		},
	}
	for _, n := range []int{1, 10, 11, 23, 50} {
		var shape [][2]int
		for left := n; left > 0; left -= 10 {
			shape = append(shape, [2]int{min(left, 10), 0})
		}
		tests = append(tests, struct {
			name          string
			obs           Observed
			in            Intent
			wantAdd       []string
			wantRemove    []string
			wantUnchanged []string
			wantFail      map[outcome.Code][]string
			wantRefusal   outcome.Code
			wantBatches   [][2]int
			wantBecause   map[string][]string
		}{name: fmt.Sprintf("%d adds", n), obs: observed(), in: Intent{Desired: accts(1, n+1)}, wantAdd: accts(1, n+1), wantBatches: shape})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Plan(tt.obs, tt.in, Limits{})
			if got := outcome.Code(""); p.Refusal != nil {
				got = p.Refusal.Code
				if got != tt.wantRefusal {
					t.Fatalf("refusal %s, want %q", got, tt.wantRefusal)
				}
			} else if tt.wantRefusal != "" {
				t.Fatalf("no refusal, want %s", tt.wantRefusal)
			}
			check := func(what string, got, want []string) {
				t.Helper()
				if !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("Add", p.Add, tt.wantAdd)
			check("Remove", p.Remove, tt.wantRemove)
			check("Unchanged", p.Unchanged, tt.wantUnchanged)
			for _, code := range outcome.Codes {
				check("failures "+string(code), failuresBy(p.Failures, code), tt.wantFail[code])
			}
			for a, want := range tt.wantBecause {
				check("Because["+a+"]", p.Because[a], want)
			}
			if got := batchShape(p.Batches); !slices.Equal(got, tt.wantBatches) {
				t.Errorf("batches %v, want %v", got, tt.wantBatches)
			}
		})
	}
}

func TestPlanQuotaChoiceIsDeterministic(t *testing.T) {
	wanted := accts(1, 30)
	want := Plan(observed(accts(100, 130)...), Intent{Desired: wanted}, Limits{})
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(wanted)
		rnd.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		shared := accts(100, 130)
		rnd.Shuffle(len(shared), func(i, j int) { shared[i], shared[j] = shared[j], shared[i] })
		got := Plan(observed(shared...), Intent{Desired: shuffled}, Limits{})
		if !slices.Equal(got.Add, want.Add) || !slices.Equal(failuresBy(got.Failures, outcome.ShareQuotaExceeded), failuresBy(want.Failures, outcome.ShareQuotaExceeded)) {
			t.Fatalf("input order changed the choice: %v vs %v", got.Add, want.Add)
		}
	}
	if !slices.Equal(want.Add, accts(1, 21)) {
		t.Errorf("kept %v, want the 20 lowest ids", want.Add)
	}
}

func TestPlanAfter(t *testing.T) {
	p := Plan(observed(acct(1), acct(2)), Intent{Desired: []string{acct(2), acct(3)}, Prune: true, MaxRemovals: 1}, Limits{})
	if got, want := p.After(), []string{acct(2), acct(3)}; !slices.Equal(got, want) {
		t.Errorf("After = %v, want %v", got, want)
	}
}

// TestBatchesProperty checks, over many random images and intents, that the
// plan makes exactly the minimum number of calls, never more than 10 of
// either kind in a call, never above 50 accounts after any call, and sends
// each planned account exactly once.
func TestBatchesProperty(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4711, 42))
	for i := range 5000 {
		current := rnd.IntN(51)
		pool := accts(1, 121)
		rnd.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		shared := pool[:current]
		lo := rnd.IntN(current + 1)
		desired := pool[lo : lo+rnd.IntN(min(70, len(pool)-lo)+1)]
		in := Intent{Desired: desired, Prune: rnd.IntN(4) > 0, MaxRemovals: []int{-1, 0, 25, 50}[rnd.IntN(4)]}
		if rnd.IntN(3) == 0 {
			in = Intent{Kind: Delta, Add: pool[rnd.IntN(60):][:rnd.IntN(60)], Remove: shared[:rnd.IntN(current+1)], MaxRemovals: -1}
		}
		p := Plan(observed(shared...), in, Limits{})
		want := (max(len(p.Add), len(p.Remove)) + 9) / 10
		if len(p.Batches) != want {
			t.Fatalf("case %d: %d calls for %d adds, %d removes; minimum %d", i, len(p.Batches), len(p.Add), len(p.Remove), want)
		}
		count := current
		var sentAdd, sentRemove []string
		for j, b := range p.Batches {
			if len(b.Add) > 10 || len(b.Remove) > 10 {
				t.Fatalf("case %d call %d: %d adds, %d removes", i, j, len(b.Add), len(b.Remove))
			}
			count += len(b.Add) - len(b.Remove)
			if count > 50 {
				t.Fatalf("case %d call %d: %d accounts after the call", i, j, count)
			}
			sentAdd = append(sentAdd, b.Add...)
			sentRemove = append(sentRemove, b.Remove...)
		}
		slices.Sort(sentAdd)
		slices.Sort(sentRemove)
		if !slices.Equal(sentAdd, p.Add) || !slices.Equal(sentRemove, p.Remove) {
			t.Fatalf("case %d: batches send %v/%v, plan says %v/%v", i, sentAdd, sentRemove, p.Add, p.Remove)
		}
		if count != len(p.After()) {
			t.Fatalf("case %d: count %d, After has %d", i, count, len(p.After()))
		}
	}
}

func TestBatchHalves(t *testing.T) {
	tests := []struct {
		in          Batch
		first, last [2]int
	}{
		{Batch{Add: accts(1, 11)}, [2]int{5, 0}, [2]int{5, 0}},
		{Batch{Add: accts(1, 4)}, [2]int{1, 0}, [2]int{2, 0}},
		{Batch{Remove: accts(1, 3)}, [2]int{0, 1}, [2]int{0, 1}},
		{Batch{Add: accts(1, 3), Remove: accts(5, 9)}, [2]int{0, 4}, [2]int{2, 0}},
	}
	for _, tt := range tests {
		a, b := tt.in.halves()
		if got := batchShape([]Batch{a, b}); got[0] != tt.first || got[1] != tt.last {
			t.Errorf("halves of %v: %v, want %v %v", batchShape([]Batch{tt.in}), got, tt.first, tt.last)
		}
	}
}

// TestPlanQuotaRetryable: a refusal for the quota is retryable when the
// account would fit but for shares the request did not ask for (another
// writer's: they may go, and a later delivery that finds room and shares it
// does not contradict the refusal), and final when it is beyond the quota
// among the request's own accounts (lowest ids kept).
func TestPlanQuotaRetryable(t *testing.T) {
	tests := []struct {
		name             string
		obs              Observed
		in               Intent
		retryable, final []string
	}{
		{"full of others' shares", observed(accts(100, 150)...), Intent{Desired: accts(1, 6)}, accts(1, 6), nil},
		{"full of others' shares, a share request", observed(accts(100, 150)...), Intent{Kind: Delta, Add: accts(1, 3)}, accts(1, 3), nil},
		{"the request's own accounts exceed it", observed(), Intent{Desired: accts(1, 56)}, nil, accts(51, 56)},
		// 10 others' shares leave room for 40: accounts 41 to 50 fit once
		// they go, 51 never does.
		{"own and others' together exceed, own alone too", observed(accts(100, 110)...), Intent{Desired: accts(1, 52)}, accts(41, 51), accts(51, 52)},
		{"own shares alone exceed it already", observed(accts(1, 53)...), Intent{Desired: accts(1, 56)}, nil, accts(53, 56)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Plan(tt.obs, tt.in, Limits{})
			var retryable, final []string
			for _, f := range p.Failures {
				switch {
				case f.Code != outcome.ShareQuotaExceeded:
				case f.Retryable:
					retryable = append(retryable, f.Account)
				default:
					final = append(final, f.Account)
				}
			}
			if !slices.Equal(retryable, tt.retryable) || !slices.Equal(final, tt.final) {
				t.Errorf("refused, retryable %v, final %v; want %v and %v", retryable, final, tt.retryable, tt.final)
			}
		})
	}
}
