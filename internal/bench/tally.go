package bench

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	ecsemu "github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// Definitions the tally checks (docs/results.md repeats them):
//
//   - An outcome is final unless its status is deferred. A deferred outcome
//     for attempt n promises an outcome for the same image at attempt n+1;
//     the final outcome of an event and image is the first non-deferred one
//     of that chain.
//   - A chain is the event's outcomes for one image. Outcomes are tied to
//     the soak's events by correlationId (every request the soak sends has a
//     unique one, and deferred requests keep it), by the ActionTrail event id
//     for attempt 1 of an ActionTrail event, by image for later attempts of
//     an ActionTrail event (which carries no correlationId, so the soak sends
//     at most one ActionTrail event per image that is not ready), and by MNS
//     MessageId for a body that is not a request.
//   - Every delivered event has exactly one final outcomeId per image it
//     names (one outcome with no image for a body that is not a request, none
//     for an event the function ignores). Copies of one outcomeId are
//     re-deliveries and must say the same thing: the same deferral, and no
//     definite claim that contradicts another copy's. A definite claim is an
//     account listed as added, removed or unchanged, a failure that is not
//     retryable, or an image-level error that is not retryable; a retryable
//     failure claims nothing, so a later copy may resolve it.
//   - Truth: at the end every image's share list holds what the events
//     wanted (the policy's accounts for a reconcile, the authorized accounts
//     of a share) and lacks what they wanted gone (an unshare's), or a final
//     outcome of such an event names the account in a failure or has an
//     image-level error; no final outcome claims an account in a state the
//     share list contradicts; and nothing is shared that the image did not
//     start with and no event wanted.
//   - Safety: no ModifyImageSharePermission call the emulator applied ever
//     carried, in AddAccount.N, an account off the policy's allow-list.
//   - No function process printed "panic" or ended by itself.
//   - Several writers: only the function writes the emulated cloud, so no
//     outcome may report VerificationFailed, whatever ran at the same time
//     (several requests on one image in one batch, sweeps during events).
//   - One chain: a deferred outcome is published once its next attempt is
//     queued, so two copies of the deferred outcome of one event, image and
//     attempt mean two next attempts: the chain forked (a duplicate delivery
//     queued its own).
//   - A sweep (timer event) promises outcomes only for what changed or
//     failed, plus its summary: its images need no final outcome, and what
//     it wants counts as asked, not as owed.

// Violation categories, as the report counts them.
const (
	vNoFinal        = "an event has no final outcome"
	vManyFinals     = "an event has more than one final outcome (distinct outcomeIds)"
	vConflict       = "copies of one outcomeId say different things"
	vUnassigned     = "an outcome belongs to no event the soak sent"
	vIgnoredOutcome = "an ignored event got an outcome"
	vLie            = "an outcome claims a share state the share list contradicts"
	vUnexplained    = "a wanted change is missing and no outcome says why"
	vUnasked        = "an account is shared that no event asked for"
	vOffPolicy      = "an account off the policy's allow-list was sent to ECS"
	vPanic          = "the function panicked or crashed"
	vVerification   = "an outcome reports VerificationFailed although only the function writes"
	vForked         = "an event's image got more than one chain of attempts"
)

// soakRecord is what a soak sent and what it found at the end.
type soakRecord struct {
	Policy *policy.Policy
	Images []world.Image // as the world started
	Final  map[string][]string
	Events []soakEvent
	// Attempted and Delivered are event keys with at least one invocation
	// made, and with one that succeeded; DeadLettered ones gave up.
	Attempted, Delivered, DeadLettered map[string]bool
	// MessageKeys maps MNS MessageIds (queue and topic) to event keys.
	MessageKeys map[string]string
	Outcomes    []outcome.Outcome // every copy, in queue order
	// Queued are the next attempts the function queued on the work queue,
	// one per message.
	Queued []queuedAttempt
	Modify []ecsemu.ModifyRecord
	Panics []string
}

// queuedAttempt is one next attempt the function queued: one link of the
// chain of attempts of an event's image.
type queuedAttempt struct {
	Event, Image string
	Attempt      int
	MessageID    string
}

// Tally is the soak's verdict.
type Tally struct {
	Copies, Distinct, Finals, Deferred, Duplicates int
	// Forks are next attempts worked beyond the first, per event, image
	// and attempt: messages of one attempt that each did the attempt's
	// work (published its outcome). SentTwice are next attempts queued as
	// more than one message (a send retried after it had gone through, or
	// a fork), whether or not the extra message was worked.
	Forks, SentTwice int
	ByStatus         map[outcome.Status]int
	// Violations maps a category to examples (at most a few kept per
	// category) and Counts to the number found.
	Violations map[string][]string
	Counts     map[string]int
}

func (t *Tally) violate(category, format string, args ...any) {
	t.Counts[category]++
	if len(t.Violations[category]) < 5 {
		t.Violations[category] = append(t.Violations[category], fmt.Sprintf(format, args...))
	}
}

// Failed lists each violated category with its count and examples.
func (t *Tally) Failed() []string {
	var out []string
	for _, c := range slices.Sorted(maps.Keys(t.Counts)) {
		out = append(out, fmt.Sprintf("%s: %d (e.g. %s)", c, t.Counts[c], strings.Join(t.Violations[c], "; ")))
	}
	return out
}

type chainKey struct{ event, image string }

// tally checks a soak's record against the invariants above.
func tally(rec *soakRecord) *Tally {
	t := &Tally{ByStatus: map[outcome.Status]int{}, Violations: map[string][]string{}, Counts: map[string]int{}}
	events := map[string]*soakEvent{}
	creating := map[string]string{} // image → its one ActionTrail event
	notReady := map[string]bool{}
	for _, im := range rec.Images {
		notReady[im.ID] = notReadyAtStart(im)
	}
	for i := range rec.Events {
		ev := &rec.Events[i]
		events[ev.Key] = ev
		if ev.Kind == "actiontrail" && !ev.Ignored && notReady[ev.Images[0]] {
			creating[ev.Images[0]] = ev.Key
		}
	}

	// Tie every copy to an event and image.
	chains := map[chainKey]map[string][]outcome.Outcome{} // → outcomeId → copies
	for _, o := range rec.Outcomes {
		t.Copies++
		key := eventOf(o, rec.MessageKeys, creating)
		if events[key] == nil {
			t.violate(vUnassigned, "outcome %s (%s, image %q, trigger %s %s)", o.OutcomeID, o.Status, o.ImageID, o.Trigger.Type, o.Trigger.EventID)
			continue
		}
		k := chainKey{key, o.ImageID}
		if chains[k] == nil {
			chains[k] = map[string][]outcome.Outcome{}
		}
		chains[k][o.OutcomeID] = append(chains[k][o.OutcomeID], o)
	}

	// Per event and image: one final outcomeId, agreeing copies.
	finals := map[chainKey][]outcome.Outcome{} // every copy of the final outcomeIds
	for k, ids := range chains {
		ev := events[k.event]
		if ev.Ignored {
			t.violate(vIgnoredOutcome, "event %s", k.event)
		}
		if !slices.Contains(expectedImages(ev), k.image) {
			t.violate(vUnassigned, "event %s got an outcome for image %q it does not name", k.event, k.image)
		}
		var finalIDs []string
		for id, copies := range ids {
			for _, c := range copies {
				for _, f := range c.Failures {
					if f.Code == outcome.VerificationFailed {
						t.violate(vVerification, "event %s image %s outcome %s: %s %s", k.event, k.image, id, f.Account, f.Message)
					}
				}
			}
			t.Distinct++
			t.Duplicates += len(copies) - 1
			t.ByStatus[copies[0].Status]++
			if why := disagreement(copies); why != "" {
				t.violate(vConflict, "event %s image %s outcome %s: %s", k.event, k.image, id, why)
			}
			if copies[0].Status == outcome.Deferred {
				t.Deferred++
				continue
			}
			t.Finals++
			finalIDs = append(finalIDs, id)
			finals[k] = append(finals[k], copies...)
		}
		if len(finalIDs) > 1 {
			t.violate(vManyFinals, "event %s image %s: %s", k.event, k.image, describeFinals(ids, finalIDs))
		}
	}
	// One chain per event and image: each next attempt worked from one
	// message. A second message of an attempt that was dropped unworked is
	// a duplicate delivery, not a second chain.
	type link struct {
		chainKey
		attempt int
	}
	queued := map[link]int{}
	for _, q := range rec.Queued {
		queued[link{chainKey{q.Event, q.Image}, q.Attempt}]++
	}
	for _, n := range queued {
		t.SentTwice += n - 1
	}
	worked := map[link]map[string]bool{} // → the messages that published its outcome
	for k, ids := range chains {
		for _, copies := range ids {
			for _, c := range copies {
				if c.Attempt < 2 || c.Trigger.Type != outcome.TriggerMNSQueue {
					continue
				}
				l := link{k, c.Attempt}
				if worked[l] == nil {
					worked[l] = map[string]bool{}
				}
				worked[l][messageID(c.Trigger.EventID)] = true
			}
		}
	}
	for _, l := range slices.SortedFunc(maps.Keys(worked), func(a, b link) int {
		return cmp.Or(strings.Compare(a.event, b.event), strings.Compare(a.image, b.image), a.attempt-b.attempt)
	}) {
		if n := len(worked[l]); n > 1 {
			t.Forks += n - 1
			t.violate(vForked, "event %s image %s: attempt %d worked from %d messages (%d queued)", l.event, l.image, l.attempt, n, queued[l])
		}
	}
	for _, ev := range rec.Events {
		if ev.Ignored || !rec.Delivered[ev.Key] || rec.DeadLettered[ev.Key] {
			continue
		}
		for _, im := range expectedImages(&ev) {
			if ev.Kind == "timer" && im != "" {
				continue // a sweep publishes only what changed or failed
			}
			if len(finals[chainKey{ev.Key, im}]) == 0 {
				t.violate(vNoFinal, "event %s (%s %s) image %q: %d outcomes, none final", ev.Key, ev.Kind, ev.Action, im, len(chains[chainKey{ev.Key, im}]))
			}
		}
	}

	checkTruth(t, rec, finals)
	for _, m := range rec.Modify {
		for _, a := range m.Add {
			if !rec.Policy.Allowed(a) {
				t.violate(vOffPolicy, "image %s request %s added %s", m.ImageID, m.RequestID, a)
			}
		}
	}
	for _, p := range rec.Panics {
		t.violate(vPanic, "%s", p)
	}
	return t
}

// eventOf finds the soak event an outcome belongs to, or "".
func eventOf(o outcome.Outcome, messageKeys, creating map[string]string) string {
	switch {
	case o.CorrelationID != "":
		return o.CorrelationID
	case o.Trigger.Type == outcome.TriggerActionTrail:
		return o.Trigger.EventID
	case o.Attempt >= 2:
		return creating[o.ImageID]
	}
	id := o.Trigger.EventID
	if o.Trigger.Type == outcome.TriggerMNSQueue {
		id = messageID(id)
	}
	return messageKeys[id]
}

// messageID is the MNS MessageId of an EventBridge MNS event id, which is
// MessageId-DequeueCount: every delivery of one message has the same.
func messageID(eventID string) string {
	if i := strings.LastIndexByte(eventID, '-'); i > 0 {
		return eventID[:i]
	}
	return eventID
}

// expectedImages are the images an event gets outcomes for ("" for a body
// that is not a request).
func expectedImages(ev *soakEvent) []string {
	if ev.Invalid {
		return []string{""}
	}
	if ev.Kind == "timer" { // and the sweep's summary, which names no image
		return append(slices.Clone(ev.Images), "")
	}
	return ev.Images
}

// disagreement says how copies of one outcomeId contradict each other, or "".
//
// A deferred copy says "not done yet, looked at again later": it conflicts
// with a copy that says what was done (accounts shared or refused for good,
// a final error), not with one that failed for a reason that passes (ECS
// throttled past every retry), which says "not done yet" too.
func disagreement(copies []outcome.Outcome) string {
	first := claims(copies[0])
	for _, c := range copies[1:] {
		if (c.Status == outcome.Deferred) != (copies[0].Status == outcome.Deferred) && !(passing(c) && passing(copies[0])) {
			return fmt.Sprintf("one copy %s, another %s", copies[0].Status, c.Status)
		}
		other := claims(c)
		for k, v := range first {
			if w, ok := other[k]; ok && w != v {
				return fmt.Sprintf("%s: %s in one copy, %s in another", k, v, w)
			}
		}
	}
	return ""
}

// passing reports whether an outcome says only "not done yet": deferred, or
// failed as a whole for a retryable reason.
func passing(o outcome.Outcome) bool {
	switch o.Status {
	case outcome.Deferred:
		return true
	case outcome.Failed:
		return o.Error != nil && o.Error.Retryable
	}
	return false
}

// claims are an outcome's definite statements: account → "ok" or a failure
// code, and "image" → an error code; retryable failures say nothing.
func claims(o outcome.Outcome) map[string]string {
	c := map[string]string{}
	for _, a := range slices.Concat(o.Added, o.Removed, o.Unchanged) {
		c[a] = "ok"
	}
	for _, f := range o.Failures {
		if !f.Retryable {
			c[f.Account] = string(f.Code)
		}
	}
	if o.Error != nil && !o.Error.Retryable {
		c["image"] = string(o.Error.Code)
	}
	return c
}

func describeFinals(ids map[string][]outcome.Outcome, finalIDs []string) string {
	sort.Strings(finalIDs)
	var parts []string
	if len(finalIDs) > 4 {
		parts = append(parts, fmt.Sprintf("%d of them:", len(finalIDs)))
		finalIDs = finalIDs[:4]
	}
	for _, id := range finalIDs {
		o := ids[id][0]
		parts = append(parts, fmt.Sprintf("%s attempt %d %s", id[:min(8, len(id))], o.Attempt, o.Status))
	}
	return strings.Join(parts, ", ")
}

// checkTruth compares every image's final share list with what the events
// wanted and what their final outcomes say.
func checkTruth(t *Tally, rec *soakRecord, finals map[chainKey][]outcome.Outcome) {
	for _, im := range rec.Images {
		actual := setOf(rec.Final[im.ID])
		initial := setOf(im.SharedWith)
		desired := rec.Policy.Desired(policy.Image{ID: im.ID, Region: cmp.Or(im.Region, region), OwnerID: cmp.Or(im.Owner, owner), Tags: im.Tags}).Accounts
		asked := map[string]bool{}                                          // wanted shared by an attempted event
		wantOn, wantOff := map[string][]chainKey{}, map[string][]chainKey{} // by delivered events
		for _, ev := range rec.Events {
			if ev.Invalid || ev.Ignored || !slices.Contains(ev.Images, im.ID) || !rec.Attempted[ev.Key] {
				continue
			}
			k := chainKey{ev.Key, im.ID}
			var on, off []string
			switch ev.Action {
			case "reconcile":
				on = desired
			case "share":
				on, _, _ = rec.Policy.Authorize(ev.Accounts)
			case "unshare":
				off, _, _ = rec.Policy.Authorize(ev.Accounts)
			}
			for _, a := range on {
				asked[a] = true
				if rec.Delivered[ev.Key] && ev.Kind != "timer" {
					wantOn[a] = append(wantOn[a], k)
				}
			}
			for _, a := range off {
				if rec.Delivered[ev.Key] {
					wantOff[a] = append(wantOff[a], k)
				}
			}
			for _, o := range finals[k] {
				checkClaims(t, im.ID, o, actual)
			}
		}
		explained := func(a string, ks []chainKey) bool {
			for _, k := range ks {
				for _, o := range finals[k] {
					if o.Error != nil || slices.ContainsFunc(o.Failures, func(f *outcome.Error) bool { return f.Account == a }) {
						return true
					}
				}
			}
			return false
		}
		for _, a := range slices.Sorted(maps.Keys(wantOn)) {
			if !actual[a] && !explained(a, wantOn[a]) {
				t.violate(vUnexplained, "image %s: %s wanted, not shared, by %d events", im.ID, a, len(wantOn[a]))
			}
		}
		for _, a := range slices.Sorted(maps.Keys(wantOff)) {
			if actual[a] && !explained(a, wantOff[a]) {
				t.violate(vUnexplained, "image %s: %s wanted gone, still shared", im.ID, a)
			}
		}
		for a := range actual {
			if !initial[a] && !asked[a] {
				t.violate(vUnasked, "image %s: %s", im.ID, a)
			}
		}
	}
}

// checkClaims flags a final outcome whose lists contradict the share list.
// Nothing in the soak removes an account a reconcile or share adds, nor
// adds one an unshare removes, so the end state must agree with every claim.
func checkClaims(t *Tally, imageID string, o outcome.Outcome, actual map[string]bool) {
	switch o.Action {
	case outcome.ActionUnshare:
		for _, a := range slices.Concat(o.Removed, o.Unchanged) {
			if actual[a] {
				t.violate(vLie, "image %s: outcome %s says %s is not shared; it is", imageID, o.OutcomeID, a)
			}
		}
	default:
		for _, a := range slices.Concat(o.Added, o.Unchanged) {
			if !actual[a] {
				t.violate(vLie, "image %s: outcome %s says %s is shared; it is not", imageID, o.OutcomeID, a)
			}
		}
	}
}

func setOf(ids []string) map[string]bool {
	s := make(map[string]bool, len(ids))
	for _, id := range ids {
		s[id] = true
	}
	return s
}
