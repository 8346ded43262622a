package outcome

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// SchemaVersion is the version of the outcome message this package writes.
// It changes only when a field's meaning changes; adding a field does not.
const SchemaVersion = 1

// Status says how a request ended for one image.
type Status string

// Statuses of an outcome.
const (
	Succeeded Status = "succeeded" // every wanted change was made
	Unchanged Status = "unchanged" // nothing to do, nothing failed
	Partial   Status = "partial"   // some changes made, some failed
	Failed    Status = "failed"    // nothing changed, and something failed
	Deferred  Status = "deferred"  // image not ready yet; a delayed retry is queued
	Planned   Status = "planned"   // dry run with changes: added/removed say what would change (a dry run with none is unchanged)
)

// Statuses lists every status, for schemas and tests.
var Statuses = []Status{Succeeded, Unchanged, Partial, Failed, Deferred, Planned}

// Keys of a sweep summary's counts besides the statuses.
const (
	CountImages     = "images"     // images the sweep found
	CountNotReady   = "notReady"   // images still being created, left to their own events
	CountFannedOut  = "fannedOut"  // images handed to the work queue
	CountMessages   = "messages"   // work-queue messages they went out in
	CountListFailed = "listFailed" // regions whose images could not be listed
	// CountRefused: images refused for a reason that cannot change by
	// itself (service-key encryption, unavailable for good, a tag naming an
	// unknown group); their event published that, the sweep only counts them.
	CountRefused = "refused"
)

// CountKeys lists every key a sweep's counts may have: the statuses and the above.
var CountKeys = append(statusStrings(), CountImages, CountNotReady, CountFannedOut, CountMessages, CountListFailed, CountRefused)

func statusStrings() []string {
	s := make([]string, len(Statuses))
	for i, st := range Statuses {
		s[i] = string(st)
	}
	return s
}

// Actions of a request, and of a sweep's summary outcome.
const (
	ActionReconcile = "reconcile"
	ActionShare     = "share"
	ActionUnshare   = "unshare"
	ActionSweep     = "sweep"
	// ActionCopy is the outcome of one copy of an image (copyTo, reencrypt):
	// RegionID and ImageID are the copy's, SourceRegionID and SourceImageID
	// the image copied.
	ActionCopy = "copy"
	// ActionUnknown is for an InvalidEvent or InvalidRequest outcome whose
	// action could not be read: the design lists no value for it, and an
	// empty string would say nothing to a consumer switching on action.
	ActionUnknown = "unknown"
)

// Actions lists every action, for schemas and tests.
var Actions = []string{ActionReconcile, ActionShare, ActionUnshare, ActionSweep, ActionCopy, ActionUnknown}

// Trigger types: what delivered the request.
const (
	TriggerActionTrail = "actiontrail"
	TriggerMNSQueue    = "mns-queue"
	TriggerMNSTopic    = "mns-topic"
	TriggerTimer       = "timer"
	TriggerDirect      = "direct"
)

// TriggerTypes lists every trigger type, for schemas and tests.
var TriggerTypes = []string{TriggerActionTrail, TriggerMNSQueue, TriggerMNSTopic, TriggerTimer, TriggerDirect}

// Trigger identifies the event or message that caused an outcome.
type Trigger struct {
	Type      string `json:"type"`
	EventID   string `json:"eventId,omitempty"`
	EventName string `json:"eventName,omitempty"`
}

// Outcome is the message published for one request and image (or, with
// Action "sweep", once per timer sweep). Its JSON form is the contract with
// consumers; outcome.schema.json describes it and a test keeps the two in step.
//
// The list and map fields always marshal as arrays and objects, never null,
// so consumers need no null checks.
type Outcome struct {
	SchemaVersion int     `json:"schemaVersion"`
	OutcomeID     string  `json:"outcomeId"`
	CorrelationID string  `json:"correlationId,omitempty"`
	Trigger       Trigger `json:"trigger"`
	// RegionID and ImageID are empty only on a sweep summary and on an
	// outcome for a request that could not be parsed.
	RegionID string `json:"regionId,omitempty"`
	ImageID  string `json:"imageId,omitempty"`
	// SourceRegionID and SourceImageID are set on a copy's outcome only
	// (Action "copy"): the image that was copied. ImageID is then the copy,
	// empty when no copy could be made.
	SourceRegionID string   `json:"sourceRegionId,omitempty"`
	SourceImageID  string   `json:"sourceImageId,omitempty"`
	Action         string   `json:"action"`
	DryRun         bool     `json:"dryRun"`
	Status         Status   `json:"status"`
	Added          []string `json:"added"`
	Removed        []string `json:"removed"`
	Unchanged      []string `json:"unchanged"`
	// Failures are per-account results that did not succeed.
	Failures []*Error `json:"failures"`
	// Error is set when the image as a whole could not be handled.
	Error *Error `json:"error,omitempty"`
	// Because maps each added or wanted account to the rules (rule/group) or
	// the request that asked for it, each account a reconcile removes to why
	// ("prune: no rule wants it"), and each protected account it kept
	// (listed in Unchanged) to the protection.
	Because map[string][]string `json:"because"`
	// APICalls counts every cloud call made per API, retries included.
	APICalls map[string]int `json:"apiCalls"`
	Attempt  int            `json:"attempt"`
	// Counts is set on a sweep summary only (Action "sweep"): the number of
	// images per status, and the Count* keys. The design asks for "counts by
	// status" without naming the field; it is "counts", keyed by CountKeys.
	Counts map[string]int `json:"counts,omitempty"`
	// Truncated is set only when the outcome was cut to fit one MNS message
	// (Fit): for each list cut ("added", "removed", "unchanged",
	// "failures", "because") the number of entries it had, and under
	// "strings" how many strings were shortened (they end in "…").
	Truncated map[string]int `json:"truncated,omitempty"`
	// Copies lists, on a source image's reconcile, the copies this request
	// made or found (each also gets an outcome of its own, action "copy"). A
	// service-key image whose rule says reencrypt is shared through its
	// copy, named here.
	Copies []CopyRef `json:"copies,omitempty"`
}

// CopyRef names a copy of an image and how its copy step ended.
type CopyRef struct {
	RegionID string `json:"regionId"`
	ImageID  string `json:"imageId,omitempty"`
	Status   Status `json:"status"`
}

// MarshalJSON writes nil lists and maps as [] and {}.
func (o Outcome) MarshalJSON() ([]byte, error) {
	type plain Outcome // no methods: avoids recursion
	p := plain(o)
	p.Added = nonNil(p.Added)
	p.Removed = nonNil(p.Removed)
	p.Unchanged = nonNil(p.Unchanged)
	p.Failures = nonNil(p.Failures)
	if p.Because == nil {
		p.Because = map[string][]string{}
	}
	if p.APICalls == nil {
		p.APICalls = map[string]int{}
	}
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ID returns the deterministic outcome id of an attempt at one image for one
// source event or message: a second delivery of the same event yields the
// same id, so consumers can drop duplicates. It is the first 128 bits of
// SHA-256 over the three values joined with NUL (which none of them contains),
// in hex.
func ID(sourceID, imageID string, attempt int) string {
	sum := sha256.Sum256([]byte(sourceID + "\x00" + imageID + "\x00" + strconv.Itoa(attempt)))
	return hex.EncodeToString(sum[:16])
}

// DeriveStatus gives the status of a finished, non-dry run from what it did:
// succeeded when it changed something and nothing failed, unchanged when it
// had nothing to do, partial when some changes were made and something
// failed, failed when nothing changed and something failed. An image-level
// error counts as a failure. Deferred and Planned are not derived: the caller
// that defers a request or makes a dry run sets them.
func DeriveStatus(added, removed []string, failures []*Error, err *Error) Status {
	changed := len(added)+len(removed) > 0
	failed := len(failures) > 0 || err != nil
	switch {
	case changed && failed:
		return Partial
	case changed:
		return Succeeded
	case failed:
		return Failed
	default:
		return Unchanged
	}
}

// ScrubMessages replaces the text of every message in o (the image-level
// error and each failure) with clean(text). The publisher of an outcome
// passes a scrubber of the credentials it holds: messages quote service
// answers, and no credential may reach a consumer.
func (o *Outcome) ScrubMessages(clean func(string) string) {
	for _, e := range append([]*Error{o.Error}, o.Failures...) {
		if e != nil {
			e.Message = clean(e.Message)
		}
	}
}
