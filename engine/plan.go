package engine

import (
	"maps"
	"slices"

	"github.com/imageshare/ecs-image-share/outcome"
)

// IntentKind says how an Intent names the accounts.
type IntentKind int

const (
	// Reconcile: Desired is the whole wanted share list (from the policy).
	Reconcile IntentKind = iota
	// Delta: Add and Remove name changes (share and unshare requests).
	Delta
)

// Intent is what the caller wants done to one image, decided after observing
// it. The engine does not know the policy: the caller turns its policy's
// decision (or a request) into an Intent.
type Intent struct {
	Kind IntentKind
	// Desired is the wanted share list (Reconcile).
	Desired []string
	// Prune removes current shares that are not desired (Reconcile).
	Prune bool
	// Add and Remove are the requested changes (Delta).
	Add, Remove []string
	// Because says who asked for each account; it is passed on to the
	// result. For a Reconcile it may also explain removals and kept
	// protected accounts; those without an entry get PruneReason and
	// ProtectReason, so that every removal says why.
	Because map[string][]string
	// Protect lists accounts that are never removed. A reconcile keeps them
	// silently; an unshare naming one gets a ProtectedAccount failure.
	Protect []string
	// MaxRemovals bounds removals for this image: above it, every removal is
	// refused (RemovalLimitExceeded) and additions still go. As in the
	// policy (policy.MaxRemovalsPerImage), 0 allows no removal at all: the
	// zero Intent is the safe one. A negative value means no bound.
	MaxRemovals int
	// MaxShares, when positive, is the image's share quota for this plan in
	// place of Limits.PerImage: the policy's maxSharesPerImage, for an
	// account whose quota a support ticket raised.
	MaxShares int
	// Failures the caller already decided (PolicyDenied, say) are reported
	// as they are, so the result's status accounts for them.
	Failures []*outcome.Error
}

// The reasons a reconcile gives, in Because, for an account Prune removes
// and for a protected account it keeps, when the Intent says nothing more
// precise (a policy with per-rule prune names the rule).
const (
	PruneReason   = "prune: no rule wants it"
	ProtectReason = "protect: protected by the policy, never removed"
)

// Limits are the API's limits the plan keeps.
type Limits struct {
	// PerCall bounds AddAccount.N and RemoveAccount.N each; 0 means 10.
	PerCall int
	// PerImage bounds the accounts an image is shared with after every
	// call; 0 means 50 (more needs a support ticket; then set it here, or
	// per plan in Intent.MaxShares).
	PerImage int
}

func (l Limits) withDefaults() Limits {
	if l.PerCall <= 0 {
		l.PerCall = 10
	}
	if l.PerImage <= 0 {
		l.PerImage = 50
	}
	return l
}

// Batch is one ModifyImageSharePermission call.
type Batch struct {
	Add, Remove []string
}

// SharePlan is what the engine will do to one image, decided without calling.
type SharePlan struct {
	ImageID, Region string
	// Refusal is set when nothing may be sent for the image (not owned, not
	// ready, unavailable). Add, Remove and Batches are then empty.
	Refusal *outcome.Error
	// Add and Remove are the changes to make, sorted; Unchanged are wanted
	// accounts that are already in the wanted state.
	Add, Remove, Unchanged []string
	// Failures are accounts refused before any call (quota, protection,
	// removal guard, malformed ids), with the Intent's own failures first.
	Failures []*outcome.Error
	Because  map[string][]string
	// Batches are the calls, in order: their number is the minimum,
	// ceil(max(len(Add), len(Remove)) / PerCall), and the share count stays
	// within PerImage after every one.
	Batches []Batch
	// Before is the observed share list, sorted.
	Before []string
}

// After returns the share list expected once every batch has been applied.
func (p *SharePlan) After() []string {
	return applied(p.Before, p.Add, p.Remove)
}

// applied returns before plus add minus remove, sorted and without duplicates.
func applied(before, add, remove []string) []string {
	set := setOf(before)
	for _, a := range add {
		set[a] = true
	}
	for _, r := range remove {
		delete(set, r)
	}
	return slices.Sorted(maps.Keys(set))
}

// Plan decides, without calling anything, what to change on one image so
// that it matches the intent within the limits. It is a pure function.
//
// Its rules, in order:
//   - an image not owned by the caller is refused (ImageNotOwned);
//   - ids that are not 16 digits are refused (InvalidAccountId), the image
//     owner's own account is dropped silently, accounts already in the wanted
//     state are Unchanged;
//   - removals above MaxRemovals are all refused (RemovalLimitExceeded):
//     removing some and not others would leave a state nobody asked for,
//     and a removal is the consequential action (instances built from the
//     image can no longer be re-initialised), so the guard refuses it whole;
//     additions still go;
//   - additions that would take the image past PerImage are refused
//     (ShareQuotaExceeded), keeping the lowest ids in sorted order, so the
//     same inputs always pick the same accounts;
//   - if anything is left to send and the image is not Available, the image
//     is refused (ImageNotReady, retryable, for Creating and Waiting;
//     ImageUnavailable otherwise). With nothing to send the status does not
//     matter and the plan is simply empty.
func Plan(obs Observed, in Intent, lim Limits) *SharePlan {
	if in.MaxShares > 0 {
		lim.PerImage = in.MaxShares
	}
	lim = lim.withDefaults()
	p := &SharePlan{
		ImageID:  obs.ImageID,
		Region:   obs.Region,
		Failures: slices.Clone(in.Failures),
		Because:  maps.Clone(in.Because),
		Before:   slices.Sorted(slices.Values(obs.Shared)),
	}
	if !obs.Owned() {
		p.Refusal = &outcome.Error{Code: outcome.ImageNotOwned,
			Message: "the image is owned by account " + obs.OwnerID + ", not by the caller: only the owner can share it"}
		return p
	}
	p.diff(obs, in)
	p.guardRemovals(in.MaxRemovals)
	p.fitQuota(len(obs.Shared), lim.PerImage)
	if len(p.Add)+len(p.Remove) > 0 {
		if r := readiness(obs.Status); r != nil {
			p.Refusal = r
			p.Add, p.Remove = nil, nil
			return p
		}
	}
	p.Batches = batches(len(obs.Shared), p.Add, p.Remove, lim)
	return p
}

// diff fills Add, Remove and Unchanged from the intent and the current list.
func (p *SharePlan) diff(obs Observed, in Intent) {
	current := setOf(obs.Shared)
	protect := setOf(in.Protect)
	var wanted, unwanted []string
	switch in.Kind {
	case Reconcile:
		wanted = p.valid(in.Desired)
		if in.Prune {
			desired := setOf(wanted)
			for _, c := range p.Before {
				switch {
				case desired[c] || c == obs.OwnerID:
				case protect[c]:
					// Kept, and said so: a reviewer sees why prune spared it.
					// Not a failure: nobody asked for its removal.
					p.Unchanged = append(p.Unchanged, c)
					p.explain(c, ProtectReason)
				default:
					unwanted = append(unwanted, c)
					p.explain(c, PruneReason)
				}
			}
		}
	case Delta:
		add, remove := p.valid(in.Add), p.valid(in.Remove)
		both := setOf(add)
		for _, r := range remove {
			if both[r] {
				p.fail(r, outcome.InvalidRequest, false, "the request both adds and removes this account")
			}
		}
		wanted = slices.DeleteFunc(add, func(a string) bool { return slices.Contains(remove, a) })
		for _, r := range remove {
			switch {
			case both[r], r == obs.OwnerID:
			case !current[r]:
				p.Unchanged = append(p.Unchanged, r)
			case protect[r]:
				p.fail(r, outcome.ProtectedAccount, false, "the account is protected by the policy and is never removed")
			default:
				unwanted = append(unwanted, r)
			}
		}
	}
	for _, w := range wanted {
		switch {
		case w == obs.OwnerID: // the owner has the image already: never sent, never a failure
		case current[w]:
			p.Unchanged = append(p.Unchanged, w)
		default:
			p.Add = append(p.Add, w)
		}
	}
	p.Remove = unwanted
	slices.Sort(p.Unchanged)
}

// valid returns the well-formed ids of ids, sorted and deduplicated, and
// records a failure for each malformed one: sent to ECS, a malformed id would
// fail the whole call it is in.
func (p *SharePlan) valid(ids []string) []string {
	var out []string
	for _, id := range ids {
		if isAccountID(id) {
			out = append(out, id)
		} else if !slices.ContainsFunc(p.Failures, func(f *outcome.Error) bool { return f.Account == id }) {
			p.fail(id, outcome.InvalidAccountID, false, "an account id is 16 digits")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// guardRemovals refuses every removal when there are more than max (no
// bound when max is negative).
func (p *SharePlan) guardRemovals(max int) {
	if max < 0 || len(p.Remove) <= max {
		return
	}
	for _, r := range p.Remove {
		p.fail(r, outcome.RemovalLimitExceeded, false,
			"%d removals planned for this image, above the limit of %d: none made", len(p.Remove), max)
	}
	p.Remove = nil
}

// fitQuota refuses the additions that would take the image past perImage
// once the planned removals are made, keeping the lowest ids.
//
// A refusal is retryable when the account would fit but for shares this
// request neither wants nor removes (another writer's, a person's): those
// may be removed, and a later delivery that then finds room and shares the
// account does not contradict this answer. An account beyond the quota
// among the request's own accounts (lowest ids kept) never fits but by a
// policy change or a raised quota: not retryable.
func (p *SharePlan) fitQuota(current, perImage int) {
	room := max(0, perImage-(current-len(p.Remove)))
	if len(p.Add) <= room {
		return
	}
	others := current - len(p.Remove) - len(p.Unchanged)
	ownRoom := max(room, perImage-len(p.Unchanged)) // the room were others' shares gone
	for i, a := range p.Add[room:] {
		if room+i < ownRoom {
			p.fail(a, outcome.ShareQuotaExceeded, true,
				"the image may be shared with at most %d accounts and %d of its shares are not this request's; this one fits once room is freed (lowest ids kept)", perImage, others)
		} else {
			p.fail(a, outcome.ShareQuotaExceeded, false,
				"the image may be shared with at most %d accounts; this one does not fit (lowest ids kept)", perImage)
		}
	}
	p.Add = p.Add[:room:room]
}

// explain gives account a reason in Because unless the intent gave one.
func (p *SharePlan) explain(account, reason string) {
	if len(p.Because[account]) > 0 {
		return
	}
	if p.Because == nil {
		p.Because = map[string][]string{}
	}
	p.Because[account] = []string{reason}
}

func (p *SharePlan) fail(account string, code outcome.Code, retryable bool, format string, args ...any) {
	p.Failures = append(p.Failures, accountError(account, code, retryable, format, args...))
}

// readiness returns the refusal for an image status that cannot be shared yet
// or ever, or nil for Available.
func readiness(status string) *outcome.Error {
	switch status {
	case "Available":
		return nil
	case "Creating", "Waiting":
		return &outcome.Error{Code: outcome.ImageNotReady, Retryable: true,
			Message: "the image is " + status + "; it can be shared once Available"}
	default: // CreateFailed, UnAvailable, Deprecated, or a status this code does not know
		return &outcome.Error{Code: outcome.ImageUnavailable,
			Message: "the image is " + status + " and cannot be shared"}
	}
}

func isAccountID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func setOf(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}
