// Package eventbridge emulates the one EventBridge feature the function is
// deployed with besides ActionTrail rules: an MNS queue as event source.
// Like the service, it receives messages from the queue through the MNS API,
// delivers them to the function as a JSON array of CloudEvents, and deletes
// them once the function succeeded. A failed delivery is retried as its retry
// strategy says, then, per its fault tolerance, dead-lettered or dropped
// (ALL) or the stream blocks (NONE): EventBridge, "Retry policies and
// dead-letter queues" (event streams), and Function Compute 2023-03-30
// RunOptions.
package eventbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
)

// Retry strategies (runOptions.retryStrategy.PushRetryStrategy).
const (
	// BackoffRetry: at most 3 retries, each 10 to 20 s (random) after the
	// last failure. EventBridge's default.
	BackoffRetry = "BACKOFF_RETRY"
	// ExponentialDecayRetry: at most 176 retries, 1, 2, 4, ... 256 s apart,
	// then every 512 s (167 times): about one day.
	ExponentialDecayRetry = "EXPONENTIAL_DECAY_RETRY"
)

// Fault tolerance (runOptions.errorsTolerance).
const (
	// ToleranceAll: a batch that failed past its retries goes to the
	// dead-letter queue, or is dropped without one; the stream goes on.
	ToleranceAll = "ALL"
	// ToleranceNone: a batch that failed past its retries blocks the
	// stream (the task stops). Function Compute's RunOptions default.
	ToleranceNone = "NONE"
)

// ErrBlocked is returned by Receive once a batch failed past its retries
// under ToleranceNone: the real stream stops until someone restarts it.
var ErrBlocked = errors.New("eventbridge: the stream is blocked: a batch failed past its retries and errorsTolerance is NONE")

// MNSSource reads one queue the way an EventBridge MNS source does.
type MNSSource struct {
	Queue     ali_mns.AliMNSQueue
	QueueName string
	AccountID string
	Region    string
	// BatchSize is the batch window's message count, 1..16 (default 16).
	BatchSize int
	// RetryStrategy is BackoffRetry (default) or ExponentialDecayRetry.
	RetryStrategy string
	// ErrorsTolerance is ToleranceNone (default, as Function Compute
	// documents it) or ToleranceAll.
	ErrorsTolerance string
	// DeadLetter, with ToleranceAll, receives each message of a batch that
	// failed past its retries, as its CloudEvent; nil drops them.
	DeadLetter ali_mns.AliMNSQueue
	// Rand draws BackoffRetry's waits; nil uses the runtime's generator.
	Rand *rand.Rand

	blocked atomic.Bool
}

// maxRetries is each strategy's documented number of retries.
var maxRetries = map[string]int{BackoffRetry: 3, ExponentialDecayRetry: 176}

// holdMargin keeps a retried batch's messages invisible for the wait plus
// one invocation (Function Compute's longest timeout here), so that MNS does
// not hand them out again while EventBridge still holds them. How the
// service keeps them is not documented; this is the behaviour it shows.
const holdMargin = 600 * time.Second

// event is one CloudEvent as EventBridge delivers an MNS message.
type event struct {
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	SpecVersion     string    `json:"specversion"`
	Type            string    `json:"type"`
	DataContentType string    `json:"datacontenttype"`
	Subject         string    `json:"subject"`
	Time            string    `json:"time"`
	AccountID       string    `json:"aliyunaccountid"`
	RegionID        string    `json:"aliyunregionid"`
	EventBusName    string    `json:"aliyuneventbusname"`
	Data            eventData `json:"data"`
}

type eventData struct {
	RequestID   string `json:"requestId"`
	MessageID   string `json:"messageId"`
	MessageBody string `json:"messageBody"`
}

// Batch is one delivery: the payload for the function and how to
// acknowledge it.
type Batch struct {
	Payload []byte
	Count   int
	// Failures is how many deliveries of this batch failed so far.
	Failures int
	handles  []string
	msgs     []Message
}

// Receive takes up to BatchSize visible messages. It returns a nil Batch
// when the queue has none visible.
func (s *MNSSource) Receive() (*Batch, error) {
	if s.blocked.Load() {
		return nil, ErrBlocked
	}
	n := s.BatchSize
	if n < 1 || n > 16 {
		n = 16
	}
	resps := make(chan ali_mns.BatchMessageReceiveResponse, 1)
	errs := make(chan error, 1)
	// No waitseconds: a short poll, so an empty queue answers at once.
	s.Queue.BatchReceiveMessage(resps, errs, int32(n))
	var resp ali_mns.BatchMessageReceiveResponse
	select {
	case resp = <-resps:
	case err := <-errs:
		if ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
			return nil, nil
		}
		return nil, err
	}
	b := &Batch{Count: len(resp.Messages)}
	msgs := make([]Message, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		b.handles = append(b.handles, m.ReceiptHandle)
		msgs = append(msgs, Message{
			ID: m.MessageId, Body: m.MessageBody, RequestID: resp.RequestId,
			DequeueCount: m.DequeueCount, EnqueueTime: time.UnixMilli(m.EnqueueTime),
		})
	}
	b.msgs = msgs
	var err error
	b.Payload, err = Encode(s.QueueName, s.AccountID, s.Region, msgs)
	return b, err
}

// Message is one MNS message as the source hands it to the function.
type Message struct {
	ID, Body, RequestID string
	DequeueCount        int64
	EnqueueTime         time.Time
}

// Encode renders messages of a queue as the payload EventBridge delivers:
// a JSON array of CloudEvents. Each delivery gets an event id of its own (the
// message id and its dequeue count); the message id stays the same.
func Encode(queue, accountID, region string, msgs []Message) ([]byte, error) {
	events := make([]event, 0, len(msgs))
	for _, m := range msgs {
		events = append(events, toEvent(queue, accountID, region, m))
	}
	return json.Marshal(events)
}

// toEvent is one message as its CloudEvent.
func toEvent(queue, accountID, region string, m Message) event {
	return event{
		ID:              fmt.Sprintf("%s-%d", m.ID, max(m.DequeueCount, 1)),
		Source:          "MNS-" + queue,
		SpecVersion:     "1.0",
		Type:            "mns:Queue:SendMessage",
		DataContentType: "application/json; charset=utf-8",
		Subject:         fmt.Sprintf("acs:mns:%s:%s:queues/%s", region, accountID, queue),
		Time:            m.EnqueueTime.UTC().Format(time.RFC3339),
		AccountID:       accountID,
		RegionID:        region,
		EventBusName:    "MNS-" + queue,
		Data:            eventData{RequestID: m.RequestID, MessageID: m.ID, MessageBody: m.Body},
	}
}

// Ack deletes a delivered batch's messages: the function succeeded.
func (s *MNSSource) Ack(b *Batch) error {
	if b == nil || len(b.handles) == 0 {
		return nil
	}
	_, err := s.Queue.BatchDeleteMessage(b.handles...)
	if err != nil {
		return fmt.Errorf("eventbridge: delete %d messages: %w", len(b.handles), err)
	}
	return nil
}

// Next is what EventBridge does after a delivery of a batch failed.
type Next struct {
	// Retry: deliver the same payload again after Wait. The batch's
	// messages stay invisible on the queue meanwhile.
	Retry bool
	Wait  time.Duration
	// Given up (the retries are spent), one of: the messages went to the
	// dead-letter queue and left the source queue; they left the source
	// queue without a dead-letter queue; the stream blocked (they stay).
	DeadLettered, Dropped, Blocked bool
}

// Failed records that delivering b failed and does what EventBridge does
// next: schedule a retry (the caller delivers b.Payload again after
// Next.Wait, then calls Ack or Failed again), or give up.
func (s *MNSSource) Failed(b *Batch) (Next, error) {
	b.Failures++
	strategy := s.RetryStrategy
	if _, ok := maxRetries[strategy]; !ok {
		strategy = BackoffRetry
	}
	if retry := b.Failures; retry <= maxRetries[strategy] {
		wait := s.retryWait(strategy, retry)
		if err := s.hold(b, wait+holdMargin); err != nil {
			return Next{}, err
		}
		return Next{Retry: true, Wait: wait}, nil
	}
	if s.ErrorsTolerance != ToleranceAll {
		s.blocked.Store(true)
		return Next{Blocked: true}, nil
	}
	if s.DeadLetter != nil {
		for _, m := range b.msgs {
			body, err := json.Marshal(toEvent(s.QueueName, s.AccountID, s.Region, m))
			if err != nil {
				return Next{}, err
			}
			if _, err := s.DeadLetter.SendMessage(ali_mns.MessageSendRequest{MessageBody: string(body), Priority: 8}); err != nil {
				return Next{}, fmt.Errorf("eventbridge: dead-letter message %s: %w", m.ID, err)
			}
		}
	}
	if err := s.Ack(b); err != nil {
		return Next{}, err
	}
	if s.DeadLetter != nil {
		return Next{DeadLettered: true}, nil
	}
	return Next{Dropped: true}, nil
}

// retryWait is the wait before the given retry (1-based).
func (s *MNSSource) retryWait(strategy string, retry int) time.Duration {
	if strategy == ExponentialDecayRetry {
		return time.Duration(1<<min(retry-1, 9)) * time.Second // 1 s ... 512 s
	}
	jitter := 10 * time.Second
	if s.Rand != nil {
		return 10*time.Second + time.Duration(s.Rand.Int64N(int64(jitter)+1))
	}
	return 10*time.Second + rand.N(jitter+1)
}

// hold keeps b's messages invisible for d, renewing their receipt handles.
func (s *MNSSource) hold(b *Batch, d time.Duration) error {
	secs := int64((d + time.Second - 1) / time.Second)
	for i, h := range b.handles {
		resp, err := s.Queue.ChangeMessageVisibility(h, secs)
		if err != nil {
			return fmt.Errorf("eventbridge: hold message for a retry: %w", err)
		}
		b.handles[i] = resp.ReceiptHandle
	}
	return nil
}

// Delivery is how one batch fared through Deliver.
type Delivery struct {
	Count, Attempts                       int
	Acked, DeadLettered, Dropped, Blocked bool
}

// Deliver receives one batch and delivers it through invoke as EventBridge
// does, waiting with sleep between retries: acknowledged once invoke
// succeeds, else retried, then dead-lettered, dropped or blocked. It returns
// nil when no message is visible.
func (s *MNSSource) Deliver(ctx context.Context, invoke func([]byte) error, sleep func(context.Context, time.Duration) error) (*Delivery, error) {
	b, err := s.Receive()
	if err != nil || b == nil {
		return nil, err
	}
	d := &Delivery{Count: b.Count}
	for {
		d.Attempts++
		if invoke(b.Payload) == nil {
			d.Acked = true
			return d, s.Ack(b)
		}
		next, err := s.Failed(b)
		if err != nil {
			return d, err
		}
		if !next.Retry {
			d.DeadLettered, d.Dropped, d.Blocked = next.DeadLettered, next.Dropped, next.Blocked
			return d, nil
		}
		if err := sleep(ctx, next.Wait); err != nil {
			return d, err
		}
	}
}
