package mns

import (
	"net/http"
	"strings"
)

// This file holds topic management, which mirrors queue management.

// topicChanges parses a topic attribute body into its changes.
func topicChanges(body []byte) ([]func(*topic), *apiError) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	var req topicRequest
	if e := decodeXML(body, &req); e != nil {
		return nil, e
	}
	var changes []func(*topic)
	if req.MaximumMessageSize != nil {
		n, e := intIn(*req.MaximumMessageSize, "MaximumMessageSize", 1024, 65536, "bytes")
		if e != nil {
			return nil, e
		}
		changes = append(changes, func(t *topic) { t.maxSize = int(n) })
	}
	if req.LoggingEnabled != nil {
		b, e := boolValue(*req.LoggingEnabled, "LoggingEnabled")
		if e != nil {
			return nil, e
		}
		changes = append(changes, func(t *topic) { t.logging = b })
	}
	return changes, nil
}

// putTopic mirrors putQueue: 201 created, 204 same attributes or
// metaoverride, 409 TopicAlreadyExist for different attributes.
func (s *Service) putTopic(r *http.Request, name string, body []byte, override bool) reply {
	if e := checkName(name, "TopicNameInvalid", "TopicNameLengthError"); e != nil {
		return errReply(e)
	}
	changes, e := topicChanges(body)
	if e != nil {
		return errReply(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	t, exists := s.topics[name]
	switch {
	case override && !exists:
		return errReply(errCode("TopicNotExist"))
	case override:
		for _, c := range changes {
			c(t)
		}
		t.modified = now
		return reply{status: http.StatusNoContent}
	case exists:
		want := topic{maxSize: t.maxSize, logging: t.logging}
		for _, c := range changes {
			c(&want)
		}
		if want.maxSize != t.maxSize || want.logging != t.logging {
			return errReply(errCode("TopicAlreadyExist"))
		}
		return reply{status: http.StatusNoContent}
	}
	t = &topic{name: name, maxSize: 65536, created: now, modified: now}
	for _, c := range changes {
		c(t)
	}
	s.topics[name] = t
	return reply{status: http.StatusCreated, header: map[string]string{"Location": hostID(r) + "/topics/" + name}}
}

func (t *topic) attributes() topicAttributes {
	return topicAttributes{
		TopicName:              t.name,
		CreateTime:             t.created.Unix(),
		LastModifyTime:         t.modified.Unix(),
		MaximumMessageSize:     t.maxSize,
		MessageRetentionPeriod: topicRetention,
		MessageCount:           len(t.published),
		LoggingEnabled:         t.logging,
	}
}

func (s *Service) getTopic(name string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[name]
	if !ok {
		return errReply(errCode("TopicNotExist"))
	}
	return reply{status: http.StatusOK, body: topicResponse{topicAttributes: t.attributes()}}
}

// deleteTopic answers 204 whether or not the topic exists, like DeleteQueue.
func (s *Service) deleteTopic(name string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.topics, name)
	return reply{status: http.StatusNoContent}
}

func (s *Service) listTopics(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.topics {
		names = append(names, n)
	}
	page, next, e := listing(r, names)
	if e != nil {
		return errReply(e)
	}
	resp := listTopicsResponse{NextMarker: next}
	for _, n := range page {
		if r.Header.Get("x-mns-with-meta") == "true" {
			resp.Topics = append(resp.Topics, s.topics[n].attributes())
		} else {
			resp.Topics = append(resp.Topics, topicURL{TopicURL: hostID(r) + "/topics/" + n})
		}
	}
	return reply{status: http.StatusOK, body: resp}
}
