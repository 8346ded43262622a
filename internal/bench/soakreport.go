package bench

import (
	"fmt"
	"time"
)

// invariants lists every category the tally checks, in report order, and
// whether it is a safety invariant (nothing wrong shared, nothing lost,
// nothing untrue said) or an exactly-once reporting one (one final outcomeId
// per event and image, agreeing copies).
var invariants = []struct {
	category string
	safety   bool
}{
	{vOffPolicy, true},
	{vPanic, true},
	{vNoFinal, true},
	{vLie, true},
	{vUnexplained, true},
	{vUnasked, true},
	{vUnassigned, true},
	{vIgnoredOutcome, true},
	{vIncomplete, true},
	{vVerification, true},
	{vManyFinals, false},
	{vForked, false},
	{vConflict, false},
}

// vIncomplete is counted when the soak ran out of time.
const vIncomplete = "the soak ran out of time before every event was delivered"

// Rows reports the soak's volume and every invariant's count.
func (r *SoakResult) Rows() []Row {
	t := r.Tally
	faults := 0
	for _, n := range r.Faults {
		faults += n
	}
	errorsAnswered := sumResults(r.ECS, func(res string) bool { return res != answerOK })
	rows := []Row{{
		Figure: fmt.Sprintf("soak: %d events (%d requests in bursts on one image, %d sweeps) through %d function processes, %d deliveries in flight, work queue visibility %s",
			r.Config.Events, r.Bursts, r.Sweeps, r.Config.Instances, r.Config.Streams, r.Config.WorkVisibility),
		Measured:  fmt.Sprintf("%d invocations (%d failed), %s", r.Invocations, r.Failed, r.Elapsed.Round(time.Second)),
		Reference: fmt.Sprintf("timeout %s", r.Config.Timeout),
		Note: fmt.Sprintf("deliveries %v, %d queue batches not acknowledged on purpose, %d failed queue batches delivered again, %d events given up, %d messages on the dead-letter queue; %d faults injected %v; %d ECS calls answered with an error or not at all; %s of emulated time",
			r.Deliveries, r.Unacked, r.BatchRetries, r.Dead, r.DeadLetterQueue, faults, r.Faults, errorsAnswered, r.Emulated.Round(time.Second)),
	}, {
		Figure:    "soak: outcomes",
		Measured:  fmt.Sprintf("%d messages, %d distinct outcomeIds, %d final, %d deferred", t.Copies, t.Distinct, t.Finals, t.Deferred),
		Reference: "",
		Note:      fmt.Sprintf("%d re-deliveries of an outcomeId; %d next attempts worked twice, %d sent twice; statuses %v", t.Duplicates, t.Forks, t.SentTwice, t.ByStatus),
	}}
	for _, inv := range invariants {
		kind := "exactly-once"
		if inv.safety {
			kind = "safety"
		}
		n := t.Counts[inv.category]
		verdict := "held"
		if n > 0 {
			verdict = fmt.Sprintf("FAILED %d×", n)
		}
		note := ""
		if ex := t.Violations[inv.category]; len(ex) > 0 {
			note = "e.g. " + ex[0]
		}
		rows = append(rows, Row{
			Figure:    fmt.Sprintf("soak, %s invariant: never %q", kind, inv.category),
			Measured:  verdict,
			Reference: "0 violations",
			Target:    "0",
			Note:      note,
		})
	}
	return rows
}

// Violations are the invariants that failed, each with its count and examples.
func (r *SoakResult) Violations() []string { return r.Tally.Failed() }
