package bench

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/request"
)

// soakRun is the delivery machinery: a dispatcher hands jobs to workers,
// each of which delivers through one function instance.
type soakRun struct {
	cfg  SoakConfig
	e    *emu
	ctx  context.Context
	jobs chan func(*soakWorker)
	wg   sync.WaitGroup

	mu                         sync.Mutex
	step                       int
	attempted, delivered, dead map[string]bool
	messageKeys                map[string]string
	// queued are the next attempts the function queued, by the work
	// queue's MessageId: each is one link of a chain of attempts.
	queued         map[string]queuedAttempt
	deliveries     map[string]int
	unacked        int
	batchRetries   int
	pending        []pendingDelivery
	pendingBatches []pendingBatch
	stats          invocationStats
}

// pendingDelivery is an event to deliver again: a duplicate, or a retry of
// a failed invocation.
type pendingDelivery struct {
	ev    *soakEvent
	due   int // dispatcher step
	tries int // failed invocations so far
}

// pendingBatch is a queue batch whose delivery failed, to deliver again
// when EventBridge's retry strategy says.
type pendingBatch struct {
	queue string
	b     *eventbridge.Batch
	due   int // dispatcher step
}

type soakWorker struct {
	in          *instance
	input, work *eventbridge.MNSSource
	rnd         *rand.Rand
}

func (r *soakRun) newWorker(in *instance, i int) (*soakWorker, error) {
	input, err := r.e.source(inputQueue, 16, rand.New(rand.NewPCG(r.cfg.Seed, uint64(200+i))))
	if err != nil {
		return nil, err
	}
	work, err := r.e.source(workQueue, 16, rand.New(rand.NewPCG(r.cfg.Seed, uint64(300+i))))
	if err != nil {
		return nil, err
	}
	return &soakWorker{in: in, input: input, work: work, rnd: rand.New(rand.NewPCG(r.cfg.Seed, uint64(100+i)))}, nil
}

// dispatch hands a job to a worker, counting it in flight.
func (r *soakRun) dispatch(job func(*soakWorker)) {
	r.wg.Add(1)
	wrapped := func(w *soakWorker) {
		defer r.wg.Done()
		job(w)
	}
	select {
	case r.jobs <- wrapped:
	case <-r.ctx.Done():
		r.wg.Done()
	}
}

// deliverAll sends every event once, in order, with its duplicates and
// retries, the work queue polled and emulated time moving as it goes.
func (r *soakRun) deliverAll(events []soakEvent, plan *faultPlan) {
	queued := 0
	for i := range events {
		if r.ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		r.step = i
		r.mu.Unlock()
		for _, f := range plan.next() {
			r.e.Faults.Add(f)
		}
		ev := &events[i]
		switch ev.Kind {
		case "mns-queue":
			r.enqueue(ev)
			if queued++; queued%8 == 0 {
				r.dispatch(r.receive(inputQueue))
			}
		default:
			if ev.MessageID != "" {
				r.mu.Lock()
				r.messageKeys[ev.MessageID] = ev.Key
				r.mu.Unlock()
			}
			r.dispatch(r.invoke(pendingDelivery{ev: ev}))
			if ev.Duplicate {
				r.schedule(pendingDelivery{ev: ev, due: i + 5})
			}
		}
		if i%10 == 9 {
			r.dispatch(r.receive(workQueue))
			r.e.Advance(5 * time.Second)
		}
		for _, p := range r.due(i) {
			r.dispatch(r.invoke(p))
		}
		for _, p := range r.dueBatches(i) {
			r.dispatch(r.redeliver(p))
		}
	}
}

// drain delivers until nothing is left: pending deliveries, then visible
// queue messages, then it moves emulated time to the next message due.
func (r *soakRun) drain() {
	for r.ctx.Err() == nil {
		r.wg.Wait()
		due, batches := r.due(-1), r.dueBatches(-1)
		if len(due)+len(batches) > 0 {
			for _, p := range due {
				r.dispatch(r.invoke(p))
			}
			for _, p := range batches {
				r.dispatch(r.redeliver(p))
			}
			continue
		}
		now := r.e.Clock.Now()
		var next time.Time
		dispatched := false
		for _, q := range []string{inputQueue, workQueue} {
			t, ok := r.e.MNS.NextVisible(q)
			if !ok {
				continue
			}
			if !t.After(now) {
				for range r.cfg.Streams {
					r.dispatch(r.receive(q))
				}
				dispatched = true
			}
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
		switch {
		case dispatched:
		case next.IsZero():
			return
		default:
			r.e.Advance(max(next.Sub(now), time.Millisecond))
		}
	}
}

// enqueue sends a queue event's body to the input queue, as its producer
// would, and remembers its MessageId.
func (r *soakRun) enqueue(ev *soakEvent) {
	if err := r.e.MNS.Send(inputQueue, ev.Body, 0); err != nil {
		return
	}
	msgs := r.e.MNS.Messages(inputQueue) // only the dispatcher sends here: the last one is ours
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messageKeys[msgs[len(msgs)-1].MessageID] = ev.Key
}

func (r *soakRun) schedule(p pendingDelivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, p)
}

// due takes the pending deliveries due by step (all of them for -1).
func (r *soakRun) due(step int) []pendingDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return takeDue(&r.pending, step, func(p pendingDelivery) int { return p.due })
}

// takeDue removes from *pending what is due by step (all of it for -1) and
// returns it, in order.
func takeDue[T any](pending *[]T, step int, due func(T) int) []T {
	var now, later []T
	for _, p := range *pending {
		if step < 0 || due(p) <= step {
			now = append(now, p)
		} else {
			later = append(later, p)
		}
	}
	*pending = later
	return now
}

// invoke delivers a direct, topic or ActionTrail payload; a failed
// invocation is delivered again a few steps later, as FC's asynchronous
// invocation retries it, up to maxTries.
func (r *soakRun) invoke(p pendingDelivery) func(*soakWorker) {
	return func(w *soakWorker) {
		r.mark(r.attempted, p.ev.Key)
		ok := r.stats.deliver(r.ctx, w.in, p.ev.Payload, soakInvocationTimeout)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.deliveries[p.ev.Kind]++
		switch {
		case ok:
			r.delivered[p.ev.Key] = true
		case r.ctx.Err() != nil:
		case p.tries+1 >= maxTries:
			if !r.delivered[p.ev.Key] {
				r.dead[p.ev.Key] = true
			}
		default:
			r.pending = append(r.pending, pendingDelivery{ev: p.ev, due: r.step + 3, tries: p.tries + 1})
		}
	}
}

// dueBatches takes the failed batches due again by step (all for -1).
func (r *soakRun) dueBatches(step int) []pendingBatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return takeDue(&r.pendingBatches, step, func(p pendingBatch) int { return p.due })
}

// receive delivers one batch from a queue as the EventBridge source does:
// deleted when the function succeeded; when it failed, delivered again per
// BACKOFF_RETRY and then dead-lettered; and one time in twenty not deleted
// although it succeeded (a lost ack), so that it is delivered again.
func (r *soakRun) receive(queue string) func(*soakWorker) {
	return func(w *soakWorker) {
		src := w.sourceFor(queue)
		b, err := src.Receive()
		if err != nil || b == nil {
			return
		}
		r.deliverBatch(w, queue, b)
	}
}

// redeliver delivers a failed batch again.
func (r *soakRun) redeliver(p pendingBatch) func(*soakWorker) {
	return func(w *soakWorker) {
		r.mu.Lock()
		r.batchRetries++
		r.mu.Unlock()
		r.deliverBatch(w, p.queue, p.b)
	}
}

func (w *soakWorker) sourceFor(queue string) *eventbridge.MNSSource {
	if queue == workQueue {
		return w.work
	}
	return w.input
}

// deliverBatch invokes the function with b and settles it as EventBridge
// would: ack, schedule a retry, or give up (dead-letter).
func (r *soakRun) deliverBatch(w *soakWorker, queue string, b *eventbridge.Batch) {
	src := w.sourceFor(queue)
	if queue == workQueue {
		r.recordQueued(b.Payload)
	}
	keys := r.keysOf(b.Payload)
	for _, k := range keys {
		r.mark(r.attempted, k)
	}
	ok := r.stats.deliver(r.ctx, w.in, b.Payload, soakInvocationTimeout)
	r.mu.Lock()
	r.deliveries[queue]++
	if ok {
		for _, k := range keys {
			r.delivered[k] = true
		}
	}
	lost := ok && w.rnd.IntN(20) == 0
	if lost {
		r.unacked++
	}
	r.mu.Unlock()
	switch {
	case ok && !lost:
		_ = src.Ack(b)
	case !ok && r.ctx.Err() == nil:
		next, err := src.Failed(b)
		if err != nil {
			return // left on the queue: it comes back after the hold
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case next.Retry:
			// The dispatcher moves emulated time 5 s per step of 10 events.
			steps := int((next.Wait+5*time.Second-1)/(5*time.Second)) * 10
			r.pendingBatches = append(r.pendingBatches, pendingBatch{queue: queue, b: b, due: r.step + steps})
		case next.DeadLettered, next.Dropped:
			for _, k := range keys {
				if !r.delivered[k] {
					r.dead[k] = true
				}
			}
		}
	}
}

// keysOf returns the soak events of a queue batch's messages.
func (r *soakRun) keysOf(payload []byte) []string {
	var evs []struct {
		Data struct {
			MessageID string `json:"messageId"`
		} `json:"data"`
	}
	_ = json.Unmarshal(payload, &evs)
	r.mu.Lock()
	defer r.mu.Unlock()
	var keys []string
	for _, ev := range evs {
		if k, ok := r.messageKeys[ev.Data.MessageID]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// recordQueued notes the next attempts in a work-queue batch: a message is
// one link of a chain however many times it is delivered (its MessageId
// stays), so two messages for one event, image and attempt are two chains.
func (r *soakRun) recordQueued(payload []byte) {
	var evs []struct {
		Data struct {
			MessageID   string `json:"messageId"`
			MessageBody string `json:"messageBody"`
		} `json:"data"`
	}
	_ = json.Unmarshal(payload, &evs)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		req, err := request.Parse([]byte(ev.Data.MessageBody))
		if err != nil || req.Origin == "" || req.Sweep || req.Attempt < 2 {
			continue // not a next attempt: a sweep's fan-out, or not the function's
		}
		key := req.CorrelationID
		if key == "" {
			key = req.Origin // an ActionTrail event: its id is the soak's key
		}
		for _, im := range req.ImageIDs {
			r.queued[ev.Data.MessageID+"\x00"+im] = queuedAttempt{Event: key, Image: im, Attempt: req.Attempt, MessageID: ev.Data.MessageID}
		}
	}
}

func (r *soakRun) mark(m map[string]bool, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m[key] = true
}
