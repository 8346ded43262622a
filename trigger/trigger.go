// Package trigger decodes what a Function Compute invocation delivers into
// requests: ActionTrail API-call events through EventBridge, MNS queue
// messages through EventBridge, MNS topic notifications (JSON or STREAM),
// timer ticks and direct invocations. See docs/triggers.md for the payloads accepted and
// the decisions taken where the services' documentation is silent.
//
// Decode is pure (no cloud calls, no package-level mutable state) and total:
// whatever the payload, it returns at least one Item and never panics.
package trigger

import (
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// Type names the trigger an item came through, as the outcome's trigger.type.
type Type string

// The trigger types.
const (
	ActionTrail Type = "actiontrail" // ActionTrail API-call event via EventBridge
	MNSQueue    Type = "mns-queue"   // MNS queue message via EventBridge
	MNSTopic    Type = "mns-topic"   // MNS topic trigger, JSON or STREAM format
	Timer       Type = "timer"       // timer trigger
	Direct      Type = "direct"      // direct invocation, and any payload of no known shape
)

// MaxPayload is the largest payload Decode reads: 32 MiB, Function Compute's
// limit for a synchronous invocation (asynchronous ones are limited to 128 KB).
// A larger payload cannot have come from Function Compute.
const MaxPayload = 32 << 20

// MaxItems is the most events or messages Decode reads from one batch:
// 10,000, the largest "Batch Push Messages" of a Function Compute trigger
// fed by EventBridge (range 1 to 10,000; Function Compute, "Advanced trigger
// features", batch push). A longer array did not come from a trigger; the
// rest of it is reported by one InvalidEvent item and not read.
const MaxItems = 10_000

// Trigger says where an item came from. It marshals to the outcome's trigger
// field.
type Trigger struct {
	Type Type `json:"type"`
	// EventID is the id the delivering service gave the event: the
	// CloudEvents id for EventBridge deliveries (ActionTrail, MNS queue), the
	// MessageId for MNS topic JSON notifications, triggerName@triggerTime for
	// timers. Empty when the payload carries none (direct, topic STREAM).
	EventID string `json:"eventId,omitempty"`
	// EventName is the ActionTrail API name (CreateImage, TagResources, ...)
	// or the timer trigger's name; empty otherwise.
	EventName string `json:"eventName,omitempty"`
}

// Options describe how the function's triggers are configured, for what the
// payload alone cannot tell.
type Options struct {
	// Base64Body: MNS queue message bodies arrive base64-encoded, because the
	// EventBridge trigger has IsBase64Decode=false and senders encode them.
	// The default is plain JSON bodies: senders that do not encode, or the
	// trigger's default IsBase64Decode=true decoding what they encoded.
	Base64Body bool
	// TopicStream: the function's MNS topic trigger uses the STREAM format, so
	// a payload that is a bare request (or not JSON at all) is a topic
	// message (type mns-topic) rather than a direct invocation.
	TopicStream bool
}

// Item is one unit of work decoded from a payload: one per message, so a batch
// of three messages gives three items, and one bad message does not stop the
// others. Exactly one of Request, Sweep, Err and Ignore is set.
type Item struct {
	Trigger Trigger
	// SourceID is what the handler derives outcomeId from (with the image and
	// the attempt). It is stable across re-deliveries of the same message:
	// the ActionTrail eventId, the MNS MessageId, triggerName@triggerTime for
	// a timer, and a content hash (sha256:...) where the payload has no id
	// (direct invocations, topic STREAM bodies).
	SourceID string
	// CorrelationID is the request's correlationId; for a request that failed
	// to parse, whatever string correlationId it held, so the sender can still
	// match the InvalidRequest outcome.
	CorrelationID string

	Request *request.Request // a valid request to act on
	Sweep   *Sweep           // a timer tick: reconcile every self-owned image
	Err     *outcome.Error   // InvalidEvent or InvalidRequest: report it as an outcome
	Ignore  string           // why this event is deliberately skipped: log it, no outcome
}

// Sweep is a timer tick: reconcile every image the function's account owns in
// the policy's regions, or in Regions when the timer's payload names them.
type Sweep struct {
	Payload string   // the timer's payload, as configured
	Regions []string // from a JSON payload; nil means the policy's regions
	DryRun  bool     // from a JSON payload
}
