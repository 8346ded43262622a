package mns

import (
	"fmt"
	"slices"
	"time"
)

// This file is the inspection side of the service, for tests and the local
// command: what was published, what is queued, direct sends and the next
// time a queue has something to deliver.

// QueuedMessage is a message in a queue, visible or not, as of the call.
type QueuedMessage struct {
	Queue     string
	MessageID string
	Body      string
	// BodyMD5 is the uppercase hex MD5 the service reports as MessageBodyMD5.
	BodyMD5          string
	Priority         int
	EnqueueTime      time.Time
	FirstDequeueTime time.Time // zero until first received
	NextVisibleTime  time.Time
	DequeueCount     int
	// ReceiptHandle is the handle of the current receive, "" when none holds it.
	ReceiptHandle string
	Visible       bool
}

// Published returns the messages published to topic, oldest first; nil for
// a topic that does not exist.
func (s *Service) Published(topic string) []PublishedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[topic]
	if !ok {
		return nil
	}
	return slices.Clone(t.published)
}

// Messages returns every message of queue in enqueue order, with its times;
// nil for a queue that does not exist.
func (s *Service) Messages(queue string) []QueuedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(queue, now)
	if e != nil {
		return nil
	}
	out := make([]QueuedMessage, 0, len(q.msgs))
	for _, m := range q.msgs {
		qm := QueuedMessage{
			Queue:            queue,
			MessageID:        m.id,
			Body:             m.body,
			BodyMD5:          m.md5,
			Priority:         m.priority,
			EnqueueTime:      m.enqueued,
			FirstDequeueTime: m.firstDequeue,
			NextVisibleTime:  m.nextVisible,
			DequeueCount:     m.dequeues,
			Visible:          m.visible(now),
		}
		if !qm.Visible {
			qm.ReceiptHandle = m.handle
		}
		out = append(out, qm)
	}
	return out
}

// Send enqueues body on queue directly, bypassing HTTP, authentication and
// faults, with the default priority, visible after delay on the service's
// clock. It does not apply the queue's size limit, so tests and the local
// command can seed any payload.
func (s *Service) Send(queue, body string, delay time.Duration) error {
	if delay < 0 {
		return fmt.Errorf("mns: negative delay %v", delay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(queue, now)
	if e != nil {
		return fmt.Errorf("mns: queue %q does not exist", queue)
	}
	q.msgs = append(q.msgs, s.messageLocked(queue, body, defaultPriority, delay, now))
	s.notifyLocked()
	return nil
}

// NextVisible returns the earliest time at which any message of queue is
// or becomes visible (a time not after now when one is visible already),
// and false when the queue is empty or does not exist. The local command
// advances its clock to it to deliver delayed work without waiting.
func (s *Service) NextVisible(queue string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, e := s.queueLocked(queue, s.clk.Now())
	if e != nil || len(q.msgs) == 0 {
		return time.Time{}, false
	}
	next := q.msgs[0].nextVisible
	for _, m := range q.msgs[1:] {
		if m.nextVisible.Before(next) {
			next = m.nextVisible
		}
	}
	return next, true
}
