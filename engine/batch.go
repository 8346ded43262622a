package engine

import "slices"

// batches cuts the changes into the fewest calls the API allows,
// ceil(max(len(add), len(remove)) / PerCall), ordered so that the share count
// never passes PerImage after any call.
//
// Removals are front-loaded (each call removes as many as it may), and each
// call adds min(PerCall, adds left, PerImage − (count − removals in this
// call)). Why that reaches the minimum: after call i the greedy has added
// exactly min(PerCall·i, len(add), PerImage − count₀ + removed_i), the most any
// order could (induction: the room a call frees is at most the PerCall
// removals it makes). At the last call, i·PerCall ≥ len(add), every removal
// is made, and the planner's quota step guarantees PerImage − count₀ +
// len(remove) ≥ len(add), so everything has been added.
//
// Within one call the removals are counted before the additions: the API
// reference does not say in which order the service applies them. If the
// service ever answers a paired call with QuotaExceed.ShareImageUser, the
// engine splits it (removals first) and goes on.
func batches(count int, add, remove []string, lim Limits) []Batch {
	lim = lim.withDefaults()
	var out []Batch
	for len(add) > 0 || len(remove) > 0 {
		r := min(lim.PerCall, len(remove))
		a := max(0, min(lim.PerCall, len(add), lim.PerImage-(count-r)))
		if a == 0 && r == 0 {
			// No room and nothing to remove: cannot happen after fitQuota,
			// but a loop that cannot progress must not spin.
			break
		}
		out = append(out, Batch{Add: slices.Clone(add[:a]), Remove: slices.Clone(remove[:r])})
		count += a - r
		add, remove = add[a:], remove[r:]
	}
	return out
}

// size is the number of ids in the batch.
func (b Batch) size() int { return len(b.Add) + len(b.Remove) }

// halves splits a batch to isolate a bad account: a mixed batch into its
// removals then its additions (removals first, so the count only drops
// before it rises), a single-kind batch into two halves.
func (b Batch) halves() (Batch, Batch) {
	if len(b.Add) > 0 && len(b.Remove) > 0 {
		return Batch{Remove: b.Remove}, Batch{Add: b.Add}
	}
	ha, hr := len(b.Add)/2, len(b.Remove)/2
	return Batch{Add: b.Add[:ha], Remove: b.Remove[:hr]}, Batch{Add: b.Add[ha:], Remove: b.Remove[hr:]}
}

// split returns the part of b whose ids are in ids, and the rest, each in
// b's order.
func (b Batch) split(ids []string) (in, out Batch) {
	for _, a := range b.Add {
		if slices.Contains(ids, a) {
			in.Add = append(in.Add, a)
		} else {
			out.Add = append(out.Add, a)
		}
	}
	for _, x := range b.Remove {
		if slices.Contains(ids, x) {
			in.Remove = append(in.Remove, x)
		} else {
			out.Remove = append(out.Remove, x)
		}
	}
	return in, out
}
