package mns

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// This file holds queue management: create (PUT), set attributes
// (PUT ?metaoverride=true), get attributes (GET), delete (DELETE), list.

// resourceName compiles on first use: the function binary links the emulator
// (for local and emulate) and must not pay for it at start-up.
var resourceName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`) })

// checkName applies the documented naming rule: 1..256 characters, starting
// with a letter, then letters, digits and hyphens.
func checkName(name, invalid, length string) *apiError {
	if len(name) < 1 || len(name) > 256 {
		return errCode(length)
	}
	if !resourceName().MatchString(name) {
		return errCode(invalid)
	}
	return nil
}

// queueChanges parses a queue attribute body into the changes it asks for;
// an empty body asks for none (CreateQueue with every default).
func queueChanges(body []byte) ([]func(*queueConfig), *apiError) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	var req queueRequest
	if e := decodeXML(body, &req); e != nil {
		return nil, e
	}
	var changes []func(*queueConfig)
	seconds := func(v *string, element string, low, high int64, set func(*queueConfig, time.Duration)) *apiError {
		if v == nil {
			return nil
		}
		n, e := intIn(*v, element, low, high, "seconds")
		if e != nil {
			return e
		}
		changes = append(changes, func(c *queueConfig) { set(c, time.Duration(n)*time.Second) })
		return nil
	}
	for _, e := range []*apiError{
		seconds(req.DelaySeconds, "DelaySeconds", 0, maxDelaySeconds, func(c *queueConfig, d time.Duration) { c.delay = d }),
		seconds(req.MessageRetentionPeriod, "MessageRetentionPeriod", 60, 604800, func(c *queueConfig, d time.Duration) { c.retention = d }),
		seconds(req.VisibilityTimeout, "VisibilityTimeout", 1, 43200, func(c *queueConfig, d time.Duration) { c.visibility = d }),
		seconds(req.PollingWaitSeconds, "PollingWaitSeconds", 0, 30, func(c *queueConfig, d time.Duration) { c.pollingWait = d }),
	} {
		if e != nil {
			return nil, e
		}
	}
	if req.MaximumMessageSize != nil {
		n, e := intIn(*req.MaximumMessageSize, "MaximumMessageSize", 1024, 65536, "bytes")
		if e != nil {
			return nil, e
		}
		changes = append(changes, func(c *queueConfig) { c.maxSize = int(n) })
	}
	if req.LoggingEnabled != nil {
		b, e := boolValue(*req.LoggingEnabled, "LoggingEnabled")
		if e != nil {
			return nil, e
		}
		changes = append(changes, func(c *queueConfig) { c.logging = b })
	}
	return changes, nil
}

// putQueue creates a queue (201, with its Location), accepts a create of an
// existing queue with the same attributes (204, which the SDK reports as
// "already exists with the same attributes") and refuses one with different
// attributes (409 QueueAlreadyExist). With metaoverride it sets attributes
// of an existing queue (204).
func (s *Service) putQueue(r *http.Request, name string, body []byte, override bool) reply {
	if e := checkName(name, "InvalidQueueName", "QueueNameLengthError"); e != nil {
		return errReply(e)
	}
	changes, e := queueChanges(body)
	if e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, exists := s.queues[name]
	switch {
	case override && !exists:
		return errReply(errCode("QueueNotExist"))
	case override:
		for _, c := range changes {
			c(&q.cfg)
		}
		q.modified = now
		s.notifyLocked()
		return reply{status: http.StatusNoContent}
	case exists:
		want := q.cfg
		for _, c := range changes {
			c(&want)
		}
		if want != q.cfg {
			return errReply(errCode("QueueAlreadyExist"))
		}
		return reply{status: http.StatusNoContent}
	}
	cfg := defaultQueueConfig()
	for _, c := range changes {
		c(&cfg)
	}
	s.queues[name] = newQueue(name, cfg, now)
	return reply{status: http.StatusCreated, header: map[string]string{"Location": hostID(r) + "/queues/" + name}}
}

func (s *Service) getQueue(name string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	q, e := s.queueLocked(name, now)
	if e != nil {
		return errReply(e)
	}
	return reply{status: http.StatusOK, body: queueResponse{queueAttributes: q.attributes(now)}}
}

func (q *queue) attributes(now time.Time) queueAttributes {
	active, inactive, delayed := q.counts(now)
	return queueAttributes{
		QueueName:              q.name,
		CreateTime:             q.created.Unix(),
		LastModifyTime:         q.modified.Unix(),
		DelaySeconds:           seconds(q.cfg.delay),
		MaximumMessageSize:     q.cfg.maxSize,
		MessageRetentionPeriod: seconds(q.cfg.retention),
		VisibilityTimeout:      seconds(q.cfg.visibility),
		PollingWaitSeconds:     seconds(q.cfg.pollingWait),
		ActiveMessages:         active,
		InactiveMessages:       inactive,
		DelayMessages:          delayed,
		LoggingEnabled:         q.cfg.logging,
	}
}

// seconds rounds up, so a sub-second world setting never reads as 0.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// deleteQueue answers 204 whether or not the queue exists: the reference
// lists no operation-specific error for DeleteQueue.
func (s *Service) deleteQueue(name string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.queues, name)
	s.notifyLocked() // long polls on it answer QueueNotExist
	return reply{status: http.StatusNoContent}
}

func (s *Service) listQueues(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	var names []string
	for n := range s.queues {
		names = append(names, n)
	}
	page, next, e := listing(r, names)
	if e != nil {
		return errReply(e)
	}
	resp := listQueuesResponse{NextMarker: next}
	for _, n := range page {
		if r.Header.Get("x-mns-with-meta") == "true" {
			q, _ := s.queueLocked(n, now)
			resp.Queues = append(resp.Queues, q.attributes(now))
		} else {
			resp.Queues = append(resp.Queues, queueURL{QueueURL: hostID(r) + "/queues/" + n})
		}
	}
	return reply{status: http.StatusOK, body: resp}
}
