package mns

import (
	"context"
	"net/http"
	"time"
)

// This file holds the queue message operations. Each runs after
// authentication and fault injection and returns the reply to write.

// queueLocked returns the named queue after dropping its expired messages;
// s.mu is held.
func (s *Service) queueLocked(name string, now time.Time) (*queue, *apiError) {
	q, ok := s.queues[name]
	if !ok {
		return nil, errCode("QueueNotExist")
	}
	q.prune(now)
	return q, nil
}

// newMessageLocked validates one message of a send request and builds it;
// it is not enqueued yet. Absent DelaySeconds takes the queue's, absent
// Priority the service default 8; a present Priority must be 1..16 (the SDK
// always sends one, 0 unless set, which the service rejects).
func (s *Service) newMessageLocked(q *queue, req sendRequest, now time.Time) (*message, *apiError) {
	body := ""
	if req.MessageBody != nil {
		body = *req.MessageBody
	}
	if len(body) == 0 || len(body) > q.cfg.maxSize {
		return nil, invalidRange("MessageBody", 1, int64(q.cfg.maxSize), "bytes")
	}
	delay := q.cfg.delay
	if req.DelaySeconds != nil {
		n, e := intIn(*req.DelaySeconds, "DelaySeconds", 0, maxDelaySeconds, "seconds")
		if e != nil {
			return nil, e
		}
		delay = time.Duration(n) * time.Second
	}
	priority := defaultPriority
	if req.Priority != nil {
		n, e := intIn(*req.Priority, "Priority", 1, 16, "")
		if e != nil {
			return nil, e
		}
		priority = int(n)
	}
	return s.messageLocked(q.name, body, priority, delay, now), nil
}

// messageLocked builds a message with a fresh id; s.mu is held.
func (s *Service) messageLocked(owner, body string, priority int, delay time.Duration, now time.Time) *message {
	seq := s.nextSeqLocked()
	return &message{
		id:          messageID(owner, now, seq),
		body:        body,
		md5:         bodyMD5(body),
		priority:    priority,
		seq:         seq,
		enqueued:    now,
		nextVisible: now.Add(delay),
	}
}

func (s *Service) sendMessage(qname string, body []byte) reply {
	var req sendRequest
	if e := decodeXML(body, &req); e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	m, e := s.newMessageLocked(q, req, now)
	if e != nil {
		return errReply(e)
	}
	q.msgs = append(q.msgs, m)
	s.notifyLocked()
	return reply{status: http.StatusCreated, body: sendResponse{MessageID: m.id, MessageBodyMD5: m.md5}}
}

// batchSendMessage enqueues the valid messages of a batch. If any message
// is invalid, the answer lists every message's result (an id, or an
// ErrorCode and ErrorMessage) with status 500; the status of a partly failed
// batch send is not documented, 500 is what this emulator chose.
func (s *Service) batchSendMessage(qname string, body []byte) reply {
	var req batchSendRequest
	if e := decodeXML(body, &req); e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	if n := len(req.Messages); n < 1 || n > maxBatch {
		return errReply(invalidRange("Messages", 1, maxBatch, "messages"))
	}
	total := 0
	for _, m := range req.Messages {
		if m.MessageBody != nil {
			total += len(*m.MessageBody)
		}
	}
	if total > maxBatchBytes {
		return errReply(errorf("InvalidArgument", "The total size of the messages in a batch should not exceed %d bytes.", maxBatchBytes))
	}

	resp := batchSendResponse{}
	failed := false
	for _, r := range req.Messages {
		m, e := s.newMessageLocked(q, r, now)
		if e != nil {
			failed = true
			resp.Messages = append(resp.Messages, batchSendEntry{ErrorCode: e.code, ErrorMessage: e.text()})
			continue
		}
		q.msgs = append(q.msgs, m)
		resp.Messages = append(resp.Messages, batchSendEntry{MessageID: m.id, MessageBodyMD5: m.md5})
	}
	s.notifyLocked()
	if failed {
		return reply{status: http.StatusInternalServerError, body: resp}
	}
	return reply{status: http.StatusCreated, body: resp}
}

// receive takes up to n visible messages, waiting on real time up to wait
// for one to become visible. It re-checks whenever the service changes
// (a send, a visibility change, Wake, a clock.Manual advance) and, with a
// clock that moves with real time, when the next hidden message is due.
// A receive that finds nothing answers MessageNotExist, as the service does.
func (s *Service) receive(ctx context.Context, qname string, n int, wait time.Duration, batch bool) reply {
	deadline := time.Now().Add(wait)
	for {
		s.mu.Lock()
		now := s.clk.Now()
		q, e := s.queueLocked(qname, now)
		if e != nil {
			s.mu.Unlock()
			return errReply(e)
		}
		got := s.receiveLocked(q, now, n)
		changed := s.changed
		next, hidden := q.nextHidden(now)
		s.mu.Unlock()

		if len(got) > 0 {
			if batch {
				return reply{status: http.StatusOK, body: batchReceiveResponse{Messages: got}}
			}
			return reply{status: http.StatusOK, body: receiveResponse{receivedMessage: got[0]}}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return errReply(errCode("MessageNotExist"))
		}
		if hidden && !s.advanceOnly {
			left = min(left, next.Sub(now))
		}
		timer := time.NewTimer(left)
		select {
		case <-changed:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return reply{gone: true}
		case <-s.stop:
			timer.Stop()
			return errReply(errCode("MessageNotExist"))
		}
		timer.Stop()
	}
}

// receiveLocked hides up to n visible messages for the queue's visibility
// timeout, counting the dequeue and issuing a new receipt handle for each.
func (s *Service) receiveLocked(q *queue, now time.Time, n int) []receivedMessage {
	var out []receivedMessage
	for _, m := range q.visible(now, n) {
		m.dequeues++
		if m.firstDequeue.IsZero() {
			m.firstDequeue = now
		}
		m.nextVisible = now.Add(q.cfg.visibility)
		m.handle = receiptHandle(m, s.nextSeqLocked())
		out = append(out, snapshot(m, true))
	}
	return out
}

// snapshot renders a message for the wire; a peek carries no handle and no
// next visible time.
func snapshot(m *message, received bool) receivedMessage {
	r := receivedMessage{
		MessageID:        m.id,
		MessageBodyMD5:   m.md5,
		MessageBody:      m.body,
		EnqueueTime:      millis(m.enqueued),
		FirstDequeueTime: millis(m.firstDequeue),
		DequeueCount:     m.dequeues,
		Priority:         m.priority,
	}
	if received {
		r.ReceiptHandle = m.handle
		r.NextVisibleTime = millis(m.nextVisible)
	}
	return r
}

// peek returns up to n visible messages without changing them.
func (s *Service) peek(qname string, n int, batch bool) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	var got []receivedMessage
	for _, m := range q.visible(now, n) {
		got = append(got, snapshot(m, false))
	}
	switch {
	case len(got) == 0:
		return errReply(errCode("MessageNotExist"))
	case batch:
		return reply{status: http.StatusOK, body: batchReceiveResponse{Messages: got}}
	default:
		return reply{status: http.StatusOK, body: receiveResponse{receivedMessage: got[0]}}
	}
}

func (s *Service) deleteMessage(qname, handle string) reply {
	if handle == "" {
		return errReply(errCode("MissingReceiptHandle"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	m, e := q.byHandle(handle, now)
	if e != nil {
		return errReply(e)
	}
	q.remove(m)
	return reply{status: http.StatusNoContent}
}

// batchDeleteMessage deletes what it can; if any handle fails, the answer
// is the documented 404 with one Error entry per failed handle.
func (s *Service) batchDeleteMessage(qname string, body []byte) reply {
	var req receiptHandlesRequest
	if e := decodeXML(body, &req); e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	if n := len(req.Handles); n < 1 || n > maxBatch {
		return errReply(invalidRange("ReceiptHandles", 1, maxBatch, "receipt handles"))
	}
	var resp batchDeleteResponse
	for _, h := range req.Handles {
		m, e := q.byHandle(h, now)
		if e != nil {
			resp.Errors = append(resp.Errors, deleteError{ErrorCode: e.code, ErrorMessage: e.text(), ReceiptHandle: h})
			continue
		}
		q.remove(m)
	}
	if len(resp.Errors) > 0 {
		return reply{status: http.StatusNotFound, body: resp}
	}
	return reply{status: http.StatusNoContent}
}

// changeVisibility hides a received message for a new period from now and
// replaces its receipt handle.
func (s *Service) changeVisibility(qname, handle, timeout string) reply {
	if handle == "" {
		return errReply(errCode("MissingReceiptHandle"))
	}
	if timeout == "" {
		return errReply(errCode("MissingVisibilityTimeout"))
	}
	secs, e := intIn(timeout, "VisibilityTimeout", 1, 43200, "seconds")
	if e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(qname, now)
	if e != nil {
		return errReply(e)
	}
	m, e := q.byHandle(handle, now)
	if e != nil {
		return errReply(e)
	}
	m.nextVisible = now.Add(time.Duration(secs) * time.Second)
	m.handle = receiptHandle(m, s.nextSeqLocked())
	s.notifyLocked() // a waiter with a real clock re-arms for the new time
	return reply{status: http.StatusOK, body: changeVisibilityResponse{ReceiptHandle: m.handle, NextVisibleTime: millis(m.nextVisible)}}
}
