package bench

import (
	"slices"
	"testing"

	ecsemu "github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// tallyCase builds a record of one image wanting group a (12 accounts) and
// one reconcile event "ev" for it, delivered; mutate adjusts it.
func tallyRecord(t *testing.T, mutate func(*soakRecord)) *soakRecord {
	t.Helper()
	pol, err := policy.Parse("p.yaml", []byte(soakPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	img := world.Image{ID: "m-1", Tags: map[string]string{"env": "prod"}}
	rec := &soakRecord{
		Policy:    pol,
		Images:    []world.Image{img},
		Final:     map[string][]string{"m-1": soakMembers[:12]},
		Events:    []soakEvent{{Key: "ev", Kind: "mns-queue", Action: "reconcile", Images: []string{"m-1"}}},
		Attempted: map[string]bool{"ev": true}, Delivered: map[string]bool{"ev": true}, DeadLettered: map[string]bool{},
		MessageKeys: map[string]string{},
		Outcomes:    []outcome.Outcome{final("o1", 1, soakMembers[:12])},
	}
	if mutate != nil {
		mutate(rec)
	}
	return rec
}

// final is a succeeded reconcile outcome of event "ev" on m-1.
func final(id string, attempt int, added []string) outcome.Outcome {
	return outcome.Outcome{OutcomeID: id, CorrelationID: "ev", ImageID: "m-1", Action: outcome.ActionReconcile,
		Status: outcome.Succeeded, Added: added, Attempt: attempt, Trigger: outcome.Trigger{Type: outcome.TriggerMNSQueue}}
}

func deferred(id string, attempt int) outcome.Outcome {
	o := final(id, attempt, nil)
	o.Status, o.Error = outcome.Deferred, &outcome.Error{Code: outcome.ImageNotReady, Retryable: true}
	return o
}

// viaMessage is o as delivered by the work-queue message of EventBridge
// event id eventID (MessageId-DequeueCount).
func viaMessage(o outcome.Outcome, eventID string) outcome.Outcome {
	o.Trigger.EventID = eventID
	return o
}

func TestTally(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*soakRecord)
		want   []string // categories violated
	}{
		{"clean", nil, nil},
		{"a re-delivery that says the same", func(r *soakRecord) {
			again := final("o1", 1, nil)
			again.Status, again.Unchanged = outcome.Unchanged, soakMembers[:12]
			r.Outcomes = append(r.Outcomes, again)
		}, nil},
		{"deferred, then final", func(r *soakRecord) {
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), final("o2", 2, soakMembers[:12])}
		}, nil},
		{"a retryable failure resolved by a re-delivery", func(r *soakRecord) {
			first := final("o1", 1, nil)
			first.Status = outcome.Failed
			first.Failures = []*outcome.Error{{Account: soakMembers[0], Code: outcome.Throttled, Retryable: true}}
			r.Outcomes = append([]outcome.Outcome{first}, r.Outcomes...)
		}, nil},
		{"two chains from one event", func(r *soakRecord) {
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), final("o2", 2, soakMembers[:12]), final("o3", 2, nil)}
		}, []string{vManyFinals}},
		{"one next attempt, delivered twice", func(r *soakRecord) {
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), deferred("o1", 1), viaMessage(final("o2", 2, soakMembers[:12]), "q1-1"), viaMessage(final("o2", 2, nil), "q1-2")}
			r.Queued = []queuedAttempt{{Event: "ev", Image: "m-1", Attempt: 2, MessageID: "q1"}}
		}, nil},
		{"the next attempt sent twice, one message worked", func(r *soakRecord) {
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), viaMessage(final("o2", 2, soakMembers[:12]), "q1-1")}
			r.Queued = []queuedAttempt{{Event: "ev", Image: "m-1", Attempt: 2, MessageID: "q1"}, {Event: "ev", Image: "m-1", Attempt: 2, MessageID: "q2"}}
		}, nil},
		{"the next attempt worked from two messages", func(r *soakRecord) {
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), viaMessage(final("o2", 2, soakMembers[:12]), "q1-1"), viaMessage(final("o2", 2, nil), "q2-1")}
			r.Queued = []queuedAttempt{{Event: "ev", Image: "m-1", Attempt: 2, MessageID: "q1"}, {Event: "ev", Image: "m-1", Attempt: 2, MessageID: "q2"}}
		}, []string{vForked}},
		{"deferred, and a copy that failed for a passing reason", func(r *soakRecord) {
			failed := final("o1", 1, nil)
			failed.Status, failed.Error = outcome.Failed, &outcome.Error{Code: outcome.Throttled, Retryable: true}
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), failed, final("o2", 2, soakMembers[:12])}
		}, nil},
		{"deferred, and a copy that failed for good", func(r *soakRecord) {
			failed := final("o1", 1, nil)
			failed.Status, failed.Error = outcome.Failed, &outcome.Error{Code: outcome.ImageUnavailable}
			r.Outcomes = []outcome.Outcome{deferred("o1", 1), failed, final("o2", 2, soakMembers[:12])}
		}, []string{vConflict}},
		{"deferred and final under one outcomeId", func(r *soakRecord) {
			r.Outcomes = append(r.Outcomes, deferred("o1", 1))
		}, []string{vConflict}},
		{"definite claims that differ", func(r *soakRecord) {
			other := final("o1", 1, soakMembers[1:12])
			other.Status = outcome.Partial
			other.Failures = []*outcome.Error{{Account: soakMembers[0], Code: outcome.AccountNotFound}}
			r.Outcomes = append(r.Outcomes, other)
		}, []string{vConflict}},
		{"no final outcome", func(r *soakRecord) { r.Outcomes, r.Final["m-1"] = []outcome.Outcome{deferred("o1", 1)}, nil },
			[]string{vNoFinal, vUnexplained}},
		{"no outcome at all", func(r *soakRecord) { r.Outcomes, r.Final["m-1"] = nil, nil }, []string{vNoFinal, vUnexplained}},
		{"a dead-lettered event owes no outcome", func(r *soakRecord) {
			r.Outcomes, r.DeadLettered["ev"], r.Final["m-1"] = nil, true, nil
			r.Delivered["ev"] = false
		}, nil},
		{"an outcome that lies", func(r *soakRecord) { r.Final["m-1"] = soakMembers[1:12] },
			[]string{vLie, vUnexplained}},
		{"a gap the outcome explains", func(r *soakRecord) {
			o := final("o1", 1, soakMembers[1:12])
			o.Status = outcome.Partial
			o.Failures = []*outcome.Error{{Account: soakMembers[0], Code: outcome.AccountNotFound}}
			r.Outcomes, r.Final["m-1"] = []outcome.Outcome{o}, soakMembers[1:12]
		}, nil},
		{"a share nobody asked for", func(r *soakRecord) { r.Final["m-1"] = append(soakMembers[:12:12], soakExtras[0]) },
			[]string{vUnasked}},
		{"an account off the allow-list sent to ECS", func(r *soakRecord) {
			r.Modify = []ecsemu.ModifyRecord{{ImageID: "m-1", Add: []string{soakDenied}}}
		}, []string{vOffPolicy}},
		{"an outcome for no event", func(r *soakRecord) {
			o := final("o9", 1, nil)
			o.CorrelationID = "stranger"
			r.Outcomes = append(r.Outcomes, o)
		}, []string{vUnassigned}},
		{"a panic", func(r *soakRecord) { r.Panics = []string{"panic: boom"} }, []string{vPanic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tally(tallyRecord(t, tt.mutate))
			var cats []string
			for c := range got.Counts {
				cats = append(cats, c)
			}
			slices.Sort(cats)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(cats, want) {
				t.Errorf("violated %q, want %q: %v", cats, want, got.Failed())
			}
		})
	}
}

func TestEventOf(t *testing.T) {
	keys := map[string]string{"MSG-1": "bad-body", "TOPIC-7": "topic-ev"}
	creating := map[string]string{"m-new": "AT-1"}
	tests := []struct {
		o    outcome.Outcome
		want string
	}{
		{outcome.Outcome{CorrelationID: "soak-1", Attempt: 3}, "soak-1"},
		{outcome.Outcome{Trigger: outcome.Trigger{Type: "actiontrail", EventID: "AT-9"}, Attempt: 1}, "AT-9"},
		{outcome.Outcome{Trigger: outcome.Trigger{Type: "mns-queue", EventID: "W-1-1"}, ImageID: "m-new", Attempt: 2}, "AT-1"},
		{outcome.Outcome{Trigger: outcome.Trigger{Type: "mns-queue", EventID: "MSG-1-2"}, Attempt: 1}, "bad-body"},
		{outcome.Outcome{Trigger: outcome.Trigger{Type: "mns-topic", EventID: "TOPIC-7"}, Attempt: 1}, "topic-ev"},
		{outcome.Outcome{Trigger: outcome.Trigger{Type: "direct"}, Attempt: 1}, ""},
	}
	for _, tt := range tests {
		if got := eventOf(tt.o, keys, creating); got != tt.want {
			t.Errorf("eventOf(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}
