package handler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/publish"
)

// Holding a work-queue message.
//
// Whether EventBridge's MNS source deletes a message before or after the
// function returns is not documented. If after (the reading the emulator
// takes), a message still being worked when its visibility timeout passes is
// handed out again: a duplicate delivery, made by the function itself. If
// before, nothing comes back however long the function takes. The function
// is safe under both: it never waits longer than the queue lets it hold the
// message (which costs nothing under the second reading), and a duplicate is
// dropped by the instance that worked it (deliveries).
const (
	// DefaultVisibility is MNS's default VisibilityTimeout: what the
	// function assumes when it cannot read the queue's.
	DefaultVisibility = 30 * time.Second
	// minHold is the least time an invocation needs to hold its messages
	// for ordinary work: a few calls per image, a retry with backoff, the
	// outcomes. A queue that allows less cannot work.
	minHold = 10 * time.Second
	// holdMargin is the least time left between the function's return and
	// the end of the visibility timeout: EventBridge received the messages
	// before invoking (its batch window) and deletes them after.
	holdMargin = 5 * time.Second
)

// QueueCheck is what a work queue's visibility timeout means for the function.
type QueueCheck struct {
	// Hold is how long after its start an invocation may keep waiting for
	// images: a quarter of the timeout (at least holdMargin) is left for
	// the invocation's start, its last calls and the source's ack.
	Hold time.Duration
	// Problem, when set, is what an operator must hear about: the queue
	// caps WAIT_READY_SECONDS, or cannot work at all (Broken).
	Problem string
	Broken  bool
}

// CheckWorkQueue judges a work queue's visibility timeout against the wait
// for images the function is configured with.
func CheckWorkQueue(visibility, waitReady time.Duration) QueueCheck {
	c := QueueCheck{Hold: max(0, visibility-max(holdMargin, visibility/4))}
	secs := int((visibility + time.Second - 1) / time.Second)
	switch {
	case c.Hold < minHold:
		c.Broken = true
		c.Problem = fmt.Sprintf("the work queue's VisibilityTimeout of %ds leaves %s to work a batch, under the %s an invocation needs: "+
			"messages will be handed out again while still being worked. Set VisibilityTimeout to 660 (see docs/deployment.md)",
			secs, c.Hold, minHold)
	case c.Hold < waitReady:
		// Enough to hold a message: the longest wait over all four quarters.
		need := int(((waitReady+holdMargin)*4/3 + time.Second - 1) / time.Second)
		c.Problem = fmt.Sprintf("the work queue's VisibilityTimeout of %ds caps WAIT_READY_SECONDS (%s) at %s for work-queue messages: "+
			"images not ready by then are deferred sooner. Set VisibilityTimeout to at least %d (660 recommended) to wait the full time",
			secs, waitReady, c.Hold, need)
	}
	return c
}

// workQueueState is what an instance learnt of its work queue, read once.
type workQueueState struct {
	mu    sync.Mutex
	known bool
	check QueueCheck
}

// workQueueHold returns how long an invocation carrying work-queue messages
// may wait for images. The visibility timeout is read from the queue once
// per instance (GetQueueAttributes); a transient failure assumes MNS's
// default for this invocation and reads again next time; a queue that does
// not exist or may not be read is reported once and assumed at the default.
func (h *Handler) workQueueHold(ctx context.Context, pub *publish.Publisher, log *slog.Logger) time.Duration {
	q := &h.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.known {
		return q.check.Hold
	}
	if !pub.CanDefer() {
		q.known, q.check = true, CheckWorkQueue(DefaultVisibility, h.cfg.WaitReady)
		return q.check.Hold
	}
	vis, err := pub.WorkQueueVisibility(ctx)
	if err != nil {
		fallback := CheckWorkQueue(DefaultVisibility, h.cfg.WaitReady)
		if !publish.Retryable(err) {
			q.known, q.check = true, fallback
			log.Error("cannot read the work queue's attributes; assuming MNS's default visibility timeout. "+
				"Check that WORK_QUEUE exists and that the role may call mns:GetQueueAttributes on it",
				"queue", h.cfg.WorkQueue, "assumedVisibilitySeconds", int(DefaultVisibility/time.Second), "err", err,
				"queueMissing", ali_mns.ERR_MNS_QUEUE_NOT_EXIST.IsEqual(err))
		} else {
			log.Warn("cannot read the work queue's attributes now; assuming MNS's default visibility timeout", "queue", h.cfg.WorkQueue, "err", err)
		}
		return fallback.Hold
	}
	q.known, q.check = true, CheckWorkQueue(vis, h.cfg.WaitReady)
	switch {
	case q.check.Broken:
		log.Error(q.check.Problem, "queue", h.cfg.WorkQueue, "visibilitySeconds", int(vis/time.Second))
	case q.check.Problem != "":
		log.Warn(q.check.Problem, "queue", h.cfg.WorkQueue, "visibilitySeconds", int(vis/time.Second))
	default:
		log.Info("work queue checked", "queue", h.cfg.WorkQueue, "visibilitySeconds", int(vis/time.Second), "holdSeconds", int(q.check.Hold/time.Second))
	}
	return q.check.Hold
}
