package mns

import (
	"net/http"
	"strings"
	"time"
)

// topicRetention is the documented message retention of a topic (1 day).
const topicRetention = 86400

// maxTagLength is the documented limit of a MessageTag.
const maxTagLength = 16

type topic struct {
	name              string
	maxSize           int
	logging           bool
	created, modified time.Time
	// subscribers are the queues that get a copy of every message; only the
	// world file declares them (the Subscribe API is not emulated).
	subscribers []string
	published   []PublishedMessage
}

// PublishedMessage is a message published to a topic, kept for tests.
type PublishedMessage struct {
	Topic     string
	MessageID string
	Body      string
	// BodyMD5 is the MessageBodyMD5 the service answered with.
	BodyMD5 string
	Tag     string
	// Attributes is the content of MessageAttributes as sent (XML), empty
	// when the message had none.
	Attributes  string
	PublishTime time.Time
}

// publish keeps the message and delivers a copy to every subscriber queue
// that exists. The copy carries the body only, as a queue endpoint
// subscription with NotifyContentFormat SIMPLIFIED delivers it: priority 8,
// the queue's own DelaySeconds, no tag or attributes.
func (s *Service) publish(tname string, body []byte) reply {
	var req publishRequest
	if e := decodeXML(body, &req); e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[tname]
	if !ok {
		return errReply(errCode("TopicNotExist"))
	}
	msg := ""
	if req.MessageBody != nil {
		msg = *req.MessageBody
	}
	if len(msg) == 0 || len(msg) > t.maxSize {
		return errReply(invalidRange("MessageBody", 1, int64(t.maxSize), "bytes"))
	}
	tag := ""
	if req.MessageTag != nil {
		tag = *req.MessageTag
	}
	if len(tag) > maxTagLength {
		return errReply(invalidRange("MessageTag length", 0, maxTagLength, "characters"))
	}
	now := s.clk.Now()
	p := PublishedMessage{
		Topic:       tname,
		MessageID:   messageID(tname, now, s.nextSeqLocked()),
		Body:        msg,
		BodyMD5:     bodyMD5(msg),
		Tag:         tag,
		PublishTime: now,
	}
	if req.MessageAttributes != nil {
		p.Attributes = strings.TrimSpace(req.MessageAttributes.Inner)
	}
	t.published = append(t.published, p)
	for _, qname := range t.subscribers {
		if q, ok := s.queues[qname]; ok {
			q.msgs = append(q.msgs, s.messageLocked(qname, msg, defaultPriority, q.cfg.delay, now))
		}
	}
	s.notifyLocked()
	return reply{status: http.StatusCreated, body: sendResponse{MessageID: p.MessageID, MessageBodyMD5: p.BodyMD5}}
}
