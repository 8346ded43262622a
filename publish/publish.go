// Package publish sends what the function produces to MNS: outcomes to the
// outcome queue and/or topic, deferred and fanned-out requests to the work
// queue. It uses the official MNS SDK, which has no retries or context of its
// own, so every send here is retried on connection errors, 5xx-class answers
// and throttling, with jittered exponential backoff inside the context.
package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/outcome"
)

// Defaults of Config.
const (
	// DefaultPriority is the service's own default. The SDK sends 0 unless
	// told otherwise, which the service rejects.
	DefaultPriority = 8
	// DefaultMaxBodyBytes is MNS's default (and largest) message size.
	DefaultMaxBodyBytes = 64 * 1024
	// MaxBatch is the most messages one BatchSendMessage carries.
	MaxBatch = 16
	// MaxBatchBytes is the most message body bytes one BatchSendMessage
	// carries, all messages together (MNS API reference, BatchSendMessage:
	// "The maximum size of messages that can be sent at a time is 64 KB").
	MaxBatchBytes = 64 * 1024
	// MaxDelay is the longest DelaySeconds MNS accepts (7 days).
	MaxDelay = 604800 * time.Second
)

// Config says where messages go.
type Config struct {
	Client ali_mns.MNSClient
	// OutcomeQueue and OutcomeTopic receive every outcome; at least one is
	// required.
	OutcomeQueue, OutcomeTopic string
	// WorkQueue receives deferred and fanned-out requests; optional, but
	// without it nothing can be deferred.
	WorkQueue string
	// Priority of sent messages, 1..16; 0 means DefaultPriority.
	Priority int
	// MaxBodyBytes is checked before sending; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Attempts is the most sends of one message, the first included; 0 means 5.
	Attempts int
	// Backoff is the first wait between attempts, doubling each time; 0 means 100ms.
	Backoff time.Duration
	// Sleep waits between attempts; nil means a timer that honours ctx.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Publisher sends messages. It is safe for concurrent use: the SDK's queue
// and topic objects are not (their QPS monitor races), so each is used under
// a lock of its own.
type Publisher struct {
	cfg  Config
	out  *guarded[ali_mns.AliMNSQueue]
	top  *guarded[ali_mns.AliMNSTopic]
	work *guarded[ali_mns.AliMNSQueue]
}

type guarded[T any] struct {
	mu sync.Mutex
	v  T
}

// ErrNoWorkQueue is returned by Defer and FanOut when no work queue is configured.
var ErrNoWorkQueue = errors.New("publish: no WORK_QUEUE configured")

// New validates cfg and returns a Publisher.
func New(cfg Config) (*Publisher, error) {
	if cfg.Client == nil {
		return nil, errors.New("publish: an MNS client is required")
	}
	if cfg.OutcomeQueue == "" && cfg.OutcomeTopic == "" {
		return nil, errors.New("publish: set OUTCOME_QUEUE and/or OUTCOME_TOPIC: outcomes must go somewhere")
	}
	if cfg.Priority == 0 {
		cfg.Priority = DefaultPriority
	}
	if cfg.Priority < 1 || cfg.Priority > 16 {
		return nil, fmt.Errorf("publish: priority %d is outside 1..16", cfg.Priority)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Sleep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Publisher{cfg: cfg}
	if cfg.OutcomeQueue != "" {
		p.out = &guarded[ali_mns.AliMNSQueue]{v: ali_mns.NewMNSQueue(cfg.OutcomeQueue, cfg.Client)}
	}
	if cfg.OutcomeTopic != "" {
		p.top = &guarded[ali_mns.AliMNSTopic]{v: ali_mns.NewMNSTopic(cfg.OutcomeTopic, cfg.Client)}
	}
	if cfg.WorkQueue != "" {
		p.work = &guarded[ali_mns.AliMNSQueue]{v: ali_mns.NewMNSQueue(cfg.WorkQueue, cfg.Client)}
	}
	return p, nil
}

// CanDefer reports whether a work queue is configured.
func (p *Publisher) CanDefer() bool { return p.work != nil }

// Publish sends one outcome to the outcome queue and topic. An outcome too
// large for a message is cut to fit (see encode) rather than not sent.
func (p *Publisher) Publish(ctx context.Context, o *outcome.Outcome) error {
	body, err := p.encode(o)
	if err != nil {
		return err
	}
	var errs []error
	if p.out != nil {
		errs = append(errs, p.retry(ctx, "SendMessage "+p.cfg.OutcomeQueue, func() error {
			p.out.mu.Lock()
			defer p.out.mu.Unlock()
			_, err := p.out.v.SendMessage(ali_mns.MessageSendRequest{MessageBody: string(body), Priority: int64(p.cfg.Priority)})
			return err
		}))
	}
	if p.top != nil {
		errs = append(errs, p.retry(ctx, "PublishMessage "+p.cfg.OutcomeTopic, func() error {
			p.top.mu.Lock()
			defer p.top.mu.Unlock()
			_, err := p.top.v.PublishMessage(ali_mns.MessagePublishRequest{MessageBody: string(body), MessageTag: string(o.Status)})
			return err
		}))
	}
	return errors.Join(errs...)
}

// encode marshals an outcome to fit one message (outcome.Fit): lists cut to
// their first entries, with counts in "truncated", rather than an outcome
// too large to send, which would fail the invocation and every message of
// its batch with it, on every redelivery.
func (p *Publisher) encode(o *outcome.Outcome) ([]byte, error) {
	body, err := outcome.Fit(o, p.cfg.MaxBodyBytes)
	if err != nil {
		return nil, fmt.Errorf("publish: encode outcome: %w", err)
	}
	if bytes.Contains(body, []byte(`"truncated":{`)) {
		p.cfg.Logger.Warn("outcome truncated to fit a message", "outcomeId", o.OutcomeID, "imageId", o.ImageID, "bytes", len(body))
	}
	return body, nil
}

// Defer sends one request body to the work queue, hidden for delay.
func (p *Publisher) Defer(ctx context.Context, body []byte, delay time.Duration) error {
	if p.work == nil {
		return ErrNoWorkQueue
	}
	if len(body) > p.cfg.MaxBodyBytes {
		return fmt.Errorf("publish: request is %d bytes, above the %d-byte message limit", len(body), p.cfg.MaxBodyBytes)
	}
	delay = min(max(delay, 0), MaxDelay)
	return p.retry(ctx, "SendMessage "+p.cfg.WorkQueue, func() error {
		p.work.mu.Lock()
		defer p.work.mu.Unlock()
		_, err := p.work.v.SendMessage(ali_mns.MessageSendRequest{
			MessageBody:  string(body),
			DelaySeconds: int64((delay + time.Second - 1) / time.Second),
			Priority:     int64(p.cfg.Priority),
		})
		return err
	})
}

// WorkQueueVisibility reads the work queue's VisibilityTimeout with
// GetQueueAttributes (GET /queues/{name}; RAM action mns:GetQueueAttributes
// on acs:mns:{region}:{account}:/queues/{name}): how long a message handed
// to the function stays hidden before the queue hands it out again.
func (p *Publisher) WorkQueueVisibility(ctx context.Context) (time.Duration, error) {
	if p.work == nil {
		return 0, ErrNoWorkQueue
	}
	var attr ali_mns.QueueAttribute
	err := p.retry(ctx, "GetQueueAttributes "+p.cfg.WorkQueue, func() (err error) {
		attr, err = ali_mns.NewMNSQueueManager(p.cfg.Client).GetQueueAttributes(p.cfg.WorkQueue)
		return err
	})
	if err != nil {
		return 0, err
	}
	return time.Duration(attr.VisibilityTimeout) * time.Second, nil
}

// FanOut sends request bodies to the work queue in as few BatchSendMessage
// calls as MNS allows: at most MaxBatch messages and MaxBatchBytes of bodies
// a call. A body above the message size limit fails before anything is sent.
func (p *Publisher) FanOut(ctx context.Context, bodies [][]byte) error {
	if p.work == nil {
		return ErrNoWorkQueue
	}
	for _, b := range bodies {
		if len(b) > p.cfg.MaxBodyBytes {
			return fmt.Errorf("publish: request is %d bytes, above the %d-byte message limit", len(b), p.cfg.MaxBodyBytes)
		}
	}
	for _, chunk := range batchesOf(bodies, MaxBatch, MaxBatchBytes) {
		msgs := make([]ali_mns.MessageSendRequest, len(chunk))
		for i, b := range chunk {
			msgs[i] = ali_mns.MessageSendRequest{MessageBody: string(b), Priority: int64(p.cfg.Priority)}
		}
		err := p.retry(ctx, "BatchSendMessage "+p.cfg.WorkQueue, func() error {
			p.work.mu.Lock()
			defer p.work.mu.Unlock()
			_, err := p.work.v.BatchSendMessage(msgs...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// batchesOf cuts bodies, in order, into runs of at most n bodies and at most
// limit bytes together. A body larger than limit alone gets a run of its own
// (the caller has checked it against the per-message limit, which is never
// above the batch's).
func batchesOf(bodies [][]byte, n, limit int) [][][]byte {
	var out [][][]byte
	var cur [][]byte
	size := 0
	for _, b := range bodies {
		if len(cur) > 0 && (len(cur) == n || size+len(b) > limit) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, b)
		size += len(b)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// retry runs send until it succeeds, fails for good, or ctx ends. A send
// that failed on the connection may still have been delivered: outcomes
// carry a deterministic outcomeId so a consumer can drop the duplicate.
func (p *Publisher) retry(ctx context.Context, what string, send func() error) error {
	wait := p.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := send()
		if err == nil {
			return nil
		}
		if !Retryable(err) || attempt >= p.cfg.Attempts {
			return fmt.Errorf("publish: %s: %w", what, err)
		}
		p.cfg.Logger.Warn("MNS send failed, retrying", "call", what, "attempt", attempt, "err", err)
		jittered := wait/2 + rand.N(wait/2+1)
		if serr := p.cfg.Sleep(ctx, jittered); serr != nil {
			return fmt.Errorf("publish: %s: %w (gave up: %v)", what, err, serr)
		}
		wait *= 2
	}
}

// Retryable reports whether an MNS SDK error is worth another try: the
// connection failed, the service erred on its side or throttled, or the
// answer was not the service's XML (a gateway's 502 or 503 page).
func Retryable(err error) bool {
	for _, code := range []interface{ IsEqual(error) bool }{
		&ali_mns.ERR_SEND_REQUEST_FAILED,
		&ali_mns.ERR_MNS_INTERNAL_ERROR,
		&ali_mns.ERR_MNS_QPS_LIMIT_EXCEEDED,
		&ali_mns.ERR_UNMARSHAL_ERROR_RESPONSE_FAILED,
		&ali_mns.ERR_MNS_UNKNOWN_CODE,
	} {
		if code.IsEqual(err) {
			return true
		}
	}
	return false
}
