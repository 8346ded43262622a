package engine

import (
	"maps"
	"slices"

	"github.com/imageshare/ecs-image-share/outcome"
)

// verify reads the share list back once and compares it with what applying
// the plan should have left. The documentation disagrees on what the service
// does with more than 10 ids (ignore them all, or take the first 10), and a
// success answer does not prove the change: only the read-back does.
//
// Accounts whose call failed ambiguously are settled here: if the list shows
// them in the wanted state, the change did happen and their failure is
// dropped. Any other difference is a VerificationFailed failure for the
// account, and an account the list contradicts is no longer reported as
// added or removed.
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

	expected := setOf(applied(p.Before, res.added, res.removed))
	for id := range res.unsure { // still unknown: no expectation either way
		now[id], expected[id] = false, false
	}
	var lost []string
	for _, id := range slices.Sorted(maps.Keys(expected)) {
		if expected[id] && !now[id] {
			lost = append(lost, id)
			res.failures = append(res.failures, accountError(id, outcome.VerificationFailed, true,
				"expected the image to be shared with this account, but the read-back does not list it"))
		}
	}
	for _, id := range shared {
		if now[id] && !expected[id] {
			lost = append(lost, id)
			res.failures = append(res.failures, accountError(id, outcome.VerificationFailed, true,
				"expected the image not to be shared with this account, but the read-back lists it"))
		}
	}
	if len(lost) > 0 {
		r.log.Warn("read-back differs from the plan", "accounts", lost)
		res.added = slices.DeleteFunc(res.added, func(id string) bool { return slices.Contains(lost, id) })
		res.removed = slices.DeleteFunc(res.removed, func(id string) bool { return slices.Contains(lost, id) })
	}
}
