package mns

import (
	"cmp"
	"slices"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Documented defaults and limits of a queue.
const (
	defaultPriority  = 8
	defaultRetention = 345600 * time.Second // 4 days
	maxDelaySeconds  = 604800
	maxBatch         = 16
	maxBatchBytes    = 65536
)

// queueConfig is a queue's attributes. Durations rather than seconds, so a
// world file can ask for sub-second visibility in tests.
type queueConfig struct {
	delay       time.Duration
	maxSize     int
	retention   time.Duration
	visibility  time.Duration
	pollingWait time.Duration
	logging     bool
}

func defaultQueueConfig() queueConfig {
	return queueConfig{maxSize: 65536, retention: defaultRetention, visibility: 30 * time.Second}
}

func configFromWorld(q world.Queue) queueConfig {
	c := defaultQueueConfig()
	c.delay = time.Duration(q.DelaySeconds) * time.Second
	if q.MaximumMessageSize > 0 {
		c.maxSize = q.MaximumMessageSize
	}
	if q.VisibilityTimeout > 0 {
		c.visibility = q.VisibilityTimeout.D()
	}
	return c
}

type queue struct {
	name              string
	cfg               queueConfig
	created, modified time.Time
	msgs              []*message // in enqueue order
}

func newQueue(name string, cfg queueConfig, now time.Time) *queue {
	return &queue{name: name, cfg: cfg, created: now, modified: now}
}

// message is one queued message. It is visible when nextVisible is not
// after now; while a receive holds it, handle is the one receipt handle that
// can delete it or change its visibility.
type message struct {
	id           string
	body         string
	md5          string
	priority     int
	seq          uint64 // enqueue order across the service
	enqueued     time.Time
	firstDequeue time.Time
	nextVisible  time.Time
	dequeues     int
	handle       string
}

func (m *message) visible(now time.Time) bool { return !m.nextVisible.After(now) }

// prune drops messages older than the retention period.
func (q *queue) prune(now time.Time) {
	q.msgs = slices.DeleteFunc(q.msgs, func(m *message) bool {
		return !now.Before(m.enqueued.Add(q.cfg.retention))
	})
}

// visible returns up to n visible messages in delivery order: the
// documented priority (1 is the highest) first, then enqueue order.
func (q *queue) visible(now time.Time, n int) []*message {
	var out []*message
	for _, m := range q.msgs {
		if m.visible(now) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b *message) int {
		if c := cmp.Compare(a.priority, b.priority); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// nextHidden is the earliest time after now at which a hidden message
// becomes visible.
func (q *queue) nextHidden(now time.Time) (time.Time, bool) {
	var next time.Time
	for _, m := range q.msgs {
		if m.nextVisible.After(now) && (next.IsZero() || m.nextVisible.Before(next)) {
			next = m.nextVisible
		}
	}
	return next, !next.IsZero()
}

// byHandle finds the message a receipt handle currently holds. A handle
// that is not one the service could have issued is ReceiptHandleError; one
// that was issued but no longer holds its message (deleted, received again,
// visibility changed, or its invisibility ran out) is MessageNotExist, as
// the service documents for expired handles.
func (q *queue) byHandle(h string, now time.Time) (*message, *apiError) {
	if !wellFormedHandle(h) {
		return nil, errCode("ReceiptHandleError")
	}
	for _, m := range q.msgs {
		if m.handle == h && !m.visible(now) {
			return m, nil
		}
	}
	return nil, errCode("MessageNotExist")
}

func (q *queue) remove(target *message) {
	q.msgs = slices.DeleteFunc(q.msgs, func(m *message) bool { return m == target })
}

// counts are the queue's active (visible), inactive (received and hidden)
// and delayed (hidden and never received) messages.
func (q *queue) counts(now time.Time) (active, inactive, delayed int) {
	for _, m := range q.msgs {
		switch {
		case m.visible(now):
			active++
		case m.dequeues > 0:
			inactive++
		default:
			delayed++
		}
	}
	return active, inactive, delayed
}
