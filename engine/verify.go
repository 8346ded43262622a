package engine

import (
	"maps"
	"slices"

	"github.com/imageshare/ecs-image-share/outcome"
)

// verify reads the share list back once and checks the accounts this run
// changed. The documentation disagrees on what the service does with more
// than 10 ids (ignore them all, or take the first 10), and a success answer
// does not prove the change: only the read-back does.
//
// Accounts whose call failed ambiguously are settled here: if the list shows
// them in the wanted state, the change did happen and their failure is
// dropped. An account this run added that the list does not show, or removed
// that it still shows, is a VerificationFailed failure and is no longer
// reported as added or removed.
//
// Every other account is another writer's business: an image has several
// writers at once (a sweep meeting an event, another instance, a person in
// the console), and an outcome speaks only for its own request. Accounts that
// appeared or vanished meanwhile are logged, never failed.
func (r *run) verify(p *SharePlan, res *applyResult) {
	shared, err := r.sharedWith()
	if err != nil {
		res.unverified = &outcome.Error{Code: outcome.VerificationFailed, ECSCode: err.ECSCode, Retryable: true,
			RequestID: err.RequestID, Message: "could not read the share list back: " + err.Message, Err: err}
		return
	}
	now := setOf(shared)
	wantAdd, wantRemove := setOf(p.Add), setOf(p.Remove)
	res.failures = slices.DeleteFunc(res.failures, func(f *outcome.Error) bool {
		if !res.unsure[f.Account] {
			return false
		}
		switch {
		case wantAdd[f.Account] && now[f.Account]:
			res.added = append(res.added, f.Account)
		case wantRemove[f.Account] && !now[f.Account]:
			res.removed = append(res.removed, f.Account)
		default:
			return false
		}
		delete(res.unsure, f.Account)
		return true
	})
	if res.stop != nil && !slices.ContainsFunc(res.failures, func(f *outcome.Error) bool { return f.Code == res.stop.Code }) {
		res.stop = nil // every account it stopped turned out applied
	}

	var lost []string
	for _, id := range sortedCopy(res.added) {
		if !now[id] {
			lost = append(lost, id)
			res.failures = append(res.failures, accountError(id, outcome.VerificationFailed, true,
				"this request shared the image with the account, but the read-back does not list it"))
		}
	}
	for _, id := range sortedCopy(res.removed) {
		if now[id] {
			lost = append(lost, id)
			res.failures = append(res.failures, accountError(id, outcome.VerificationFailed, true,
				"this request unshared the image from the account, but the read-back still lists it"))
		}
	}
	if len(lost) > 0 {
		r.log.Warn("read-back differs from the changes made", "accounts", lost)
		res.added = slices.DeleteFunc(res.added, func(id string) bool { return slices.Contains(lost, id) })
		res.removed = slices.DeleteFunc(res.removed, func(id string) bool { return slices.Contains(lost, id) })
	}
	if others := changedMeanwhile(p.Before, shared, res); len(others) > 0 {
		r.log.Info("the share list changed meanwhile: another writer", "accounts", others)
	}
}

// changedMeanwhile returns the accounts whose share differs between before
// and after for a reason other than this run: neither added, removed nor
// left unsure by it.
func changedMeanwhile(before, after []string, res *applyResult) []string {
	ours := setOf(slices.Concat(res.added, res.removed))
	for id := range res.unsure {
		ours[id] = true
	}
	was, is := setOf(before), setOf(after)
	var out []string
	for _, id := range slices.Sorted(maps.Keys(mergeSets(was, is))) {
		if was[id] != is[id] && !ours[id] {
			out = append(out, id)
		}
	}
	return out
}

func mergeSets(a, b map[string]bool) map[string]bool {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
