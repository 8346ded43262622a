// Package request defines the product's request: what an MNS queue or topic
// message body, a direct invocation payload or the function itself (for a
// deferred reconcile on the work queue) asks the function to do.
//
//	{"action": "reconcile", "regionId": "cn-hangzhou", "imageIds": ["m-1", "m-2"], "dryRun": false, "correlationId": "build-4711"}
//	{"action": "share",     "regionId": "cn-hangzhou", "imageId": "m-1", "accounts": ["2000000000000001", "prod"]}
//	{"action": "unshare",   "regionId": "cn-hangzhou", "imageId": "m-1", "accounts": ["2000000000000001"]}
//
// Parse is strict: unknown or repeated fields, wrong types and trailing data
// are errors, so that a typo cannot silently turn a request into a no-op. Every
// error is an *outcome.Error with code InvalidRequest whose message names each
// field that is wrong and how.
//
// The package is pure: no cloud calls, no package-level mutable state.
package request

// Actions a request may ask for.
const (
	Reconcile = "reconcile" // make the image's shares match the policy
	Share     = "share"     // add the named accounts (allow-list permitting)
	Unshare   = "unshare"   // remove the named accounts
)

// Limits a request must respect. They bound the work and the size of the
// outcome one message can cause.
const (
	// MaxBodyBytes is the largest request body Parse reads: 64 KiB, the MNS
	// message size limit, so every valid request fits on the work queue.
	MaxBodyBytes = 64 << 10
	// MaxImages is the most image ids one request may name: one DescribeImages
	// page (PageSize ≤ 100) looks them all up.
	MaxImages = 100
	// MaxAccounts is the most entries accounts may hold. An image can be shared
	// with 50 accounts; 200 leaves room for group names that expand and for
	// unshare requests that clean up, while keeping outcomes bounded.
	MaxAccounts = 200
	// MaxAttempt bounds attempt. Deferred reconciles carry it; the engine gives
	// up long before (its own attempt budget), so a larger value is a bug.
	MaxAttempt = 10000
	// MaxCorrelationIDBytes bounds correlationId, which is copied into every
	// outcome and log line.
	MaxCorrelationIDBytes = 256
	// maxNameBytes bounds a region id, image id or accounts entry.
	maxNameBytes = 64
)

// Request is one unit of work. Its JSON form is the wire format; Parse reads
// it and Marshal writes it.
type Request struct {
	Action   string   `json:"action"`   // Reconcile, Share or Unshare
	RegionID string   `json:"regionId"` // e.g. cn-hangzhou
	ImageIDs []string `json:"imageIds"` // no repeats; exactly one for share and unshare
	// Accounts are account ids or policy group names, for share and unshare
	// only. They are checked against the policy later (policy.Authorize), per
	// account, so that one bad entry fails only itself.
	Accounts      []string `json:"accounts,omitempty"`
	DryRun        bool     `json:"dryRun,omitempty"`
	CorrelationID string   `json:"correlationId,omitempty"`
	// Attempt counts deliveries of a deferred request: 1 for the first.
	// Parse sets 1 when the body has none; Marshal writes 1 for 0.
	Attempt int `json:"attempt"`
	// Origin is the source id of the event that started a chain of deferred
	// attempts, set by the function when it re-queues a request (and on a
	// sweep's fanned-out requests). Outcome ids derive from it rather than
	// from the work-queue message, so a deferral queued twice (a redelivered
	// event, a send retried after a reset) yields the same outcome ids, which
	// consumers de-duplicate.
	Origin string `json:"origin,omitempty"`
	// Sweep marks a reconcile the timer's sweep handed to the work queue
	// (and its deferrals): like an inline sweep, it does not publish a
	// refusal that cannot change by itself (see handler.standingRefusal).
	Sweep bool `json:"sweep,omitempty"`
	// Seal authenticates Origin, Attempt and Sweep: see Seal and
	// Authentic. A request without a valid seal is served as a fresh one
	// (attempt 1, no origin, not a sweep).
	Seal string `json:"seal,omitempty"`
}
