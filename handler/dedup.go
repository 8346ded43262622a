package handler

import (
	"context"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/imageshare/ecs-image-share/request"
	"github.com/imageshare/ecs-image-share/trigger"
)

// doneDeliveries is how many finished deliveries an instance remembers. A
// key is under 200 bytes, so this is a few MB at most; a duplicate that
// arrives after its key was evicted is worked again, which is safe (the same
// outcomeId, nothing left to change) but costs calls.
const doneDeliveries = 20000

// deliveries remembers, for one instance, which (source, image, attempt)
// deliveries are being worked or were worked to the end, so that a
// duplicate delivery does no work of its own.
//
// Every trigger delivers at least once: MNS hands a message out again when
// its visibility timeout passes or its ack is lost, EventBridge and Function
// Compute retry invocations, and a batch that failed for one message comes
// back whole. Without this, every duplicate of a deferred request queued its
// own next attempt, and the chains of attempts multiplied (two deliveries,
// two chains; every delivery duplicated, 2^n). Keyed by the chain's origin
// and attempt rather than the message, the tracker also merges two chains
// that forked elsewhere (on another instance) as soon as their attempts
// meet on one instance, so the number of chains stays bounded by the
// instances rather than growing with every duplicate.
//
// A duplicate of a delivery still in flight waits for it: if the first
// succeeds, the duplicate is dropped; if it fails (the invocation will fail
// and the message come back), the duplicate does the work instead.
type deliveries struct {
	mu       sync.Mutex
	inflight map[string]chan struct{}
	done     *lru.Cache[string, struct{}]
}

func newDeliveries() *deliveries {
	done, err := lru.New[string, struct{}](doneDeliveries)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &deliveries{inflight: map[string]chan struct{}{}, done: done}
}

// claim reports whether key was already worked to the end (dup), or else
// claims it: the caller works it and calls release with whether it
// succeeded. An empty key is never a duplicate.
func (d *deliveries) claim(ctx context.Context, key string) (release func(ok bool), dup bool) {
	if key == "" {
		return func(bool) {}, false
	}
	for {
		d.mu.Lock()
		if d.done.Contains(key) {
			d.mu.Unlock()
			return nil, true
		}
		ch, busy := d.inflight[key]
		if !busy {
			ch = make(chan struct{})
			d.inflight[key] = ch
			d.mu.Unlock()
			return func(ok bool) {
				d.mu.Lock()
				defer d.mu.Unlock()
				delete(d.inflight, key)
				if ok {
					d.done.Add(key, struct{}{})
				}
				close(ch)
			}, false
		}
		d.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			// Out of time waiting: work it unclaimed; the work itself
			// will find the deadline passed and fail the invocation.
			return func(bool) {}, false
		}
	}
}

// deliveryKey identifies one attempt at one image of a request, or "" when
// the request has no delivery identity to go by: a direct invocation or a
// topic STREAM body is known only by a hash of its content, and the same
// content sent twice on purpose (share, unshare, share again) must run twice.
// A request the function wrote itself (deferred or fanned out) carries its
// origin: it is keyed by the chain, so forks of one chain merge.
func deliveryKey(it trigger.Item, req request.Request, imageID string) string {
	source := req.Origin
	if source == "" {
		if it.Trigger.EventID == "" || it.SourceID == "" {
			return "" // no id of the delivering service: direct, topic STREAM
		}
		source = string(it.Trigger.Type) + ":" + it.SourceID
	}
	return chainKey(trigger.Item{SourceID: source}, req, imageID)
}

// chainKey identifies one attempt at one image of a request by its source
// id (the origin, for requests the function wrote), whatever delivered it.
func chainKey(it trigger.Item, req request.Request, imageID string) string {
	return strings.Join([]string{it.SourceID, req.Action, req.RegionID, imageID,
		strconv.Itoa(max(req.Attempt, 1)), strconv.FormatBool(req.DryRun)}, "\x00")
}
