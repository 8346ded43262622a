package mns

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// route maps a request to its operation. The operation name is what world
// faults match on (SendMessage, BatchSendMessage, ReceiveMessage, ...).
// Operations that exist in MNS but are not emulated answer NotImplemented;
// paths that are no operation answer InvalidRequestURL.
func (s *Service) route(r *http.Request, body []byte) (*call, *apiError) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	override := q.Get("metaoverride") == "true"
	switch {
	case len(parts) == 1 && parts[0] == "queues" && r.Method == http.MethodGet:
		return &call{api: "ListQueue", run: func() reply { return s.listQueues(r) }}, nil

	case len(parts) == 2 && parts[0] == "queues":
		name := parts[1]
		switch r.Method {
		case http.MethodPut:
			api := "CreateQueue"
			if override {
				api = "SetQueueAttributes"
			}
			return &call{api: api, queue: name, run: func() reply { return s.putQueue(r, name, body, override) }}, nil
		case http.MethodGet:
			return &call{api: "GetQueueAttributes", queue: name, run: func() reply { return s.getQueue(name) }}, nil
		case http.MethodDelete:
			return &call{api: "DeleteQueue", queue: name, run: func() reply { return s.deleteQueue(name) }}, nil
		}

	case len(parts) == 3 && parts[0] == "queues" && parts[2] == "messages":
		return s.routeMessages(r, parts[1], body)

	case len(parts) == 1 && parts[0] == "topics" && r.Method == http.MethodGet:
		return &call{api: "ListTopic", run: func() reply { return s.listTopics(r) }}, nil

	case len(parts) == 2 && parts[0] == "topics":
		name := parts[1]
		switch r.Method {
		case http.MethodPut:
			api := "CreateTopic"
			if override {
				api = "SetTopicAttributes"
			}
			return &call{api: api, topic: name, run: func() reply { return s.putTopic(r, name, body, override) }}, nil
		case http.MethodGet:
			return &call{api: "GetTopicAttributes", topic: name, run: func() reply { return s.getTopic(name) }}, nil
		case http.MethodDelete:
			return &call{api: "DeleteTopic", topic: name, run: func() reply { return s.deleteTopic(name) }}, nil
		}

	case len(parts) == 3 && parts[0] == "topics" && parts[2] == "messages" && r.Method == http.MethodPost:
		name := parts[1]
		return &call{api: "PublishMessage", topic: name, run: func() reply { return s.publish(name, body) }}, nil

	case len(parts) >= 3 && parts[0] == "topics" && parts[2] == "subscriptions":
		return nil, errorf("NotImplemented", "Subscriptions are not emulated; declare subscriber queues in the world file.")
	}
	return nil, errorf("InvalidRequestURL", "Http request URL format invalid: %s %s.", r.Method, r.URL.Path)
}

// routeMessages maps /queues/{q}/messages by method, query and, for POST,
// the body's root element (Message or Messages).
func (s *Service) routeMessages(r *http.Request, qname string, body []byte) (*call, *apiError) {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodPost:
		if rootElement(body) == "Messages" {
			return &call{api: "BatchSendMessage", queue: qname, run: func() reply { return s.batchSendMessage(qname, body) }}, nil
		}
		return &call{api: "SendMessage", queue: qname, run: func() reply { return s.sendMessage(qname, body) }}, nil

	case http.MethodGet:
		// Parameters are checked inside the operation, so a call with bad
		// ones still reaches the fault injector like any authenticated call.
		batch := q.Has("numOfMessages")
		count := func() (int, *apiError) {
			if !batch {
				return 1, nil
			}
			n, e := intIn(q.Get("numOfMessages"), "numOfMessages", 1, maxBatch, "")
			return int(n), e
		}
		if q.Get("peekonly") == "true" {
			api := "PeekMessage"
			if batch {
				api = "BatchPeekMessage"
			}
			return &call{api: api, queue: qname, run: func() reply {
				n, e := count()
				if e != nil {
					return errReply(e)
				}
				return s.peek(qname, n, batch)
			}}, nil
		}
		api := "ReceiveMessage"
		if batch {
			api = "BatchReceiveMessage"
		}
		return &call{api: api, queue: qname, run: func() reply {
			n, e := count()
			if e != nil {
				return errReply(e)
			}
			wait, e := s.waitFor(qname, q.Get("waitseconds"), q.Has("waitseconds"))
			if e != nil {
				return errReply(e)
			}
			return s.receive(r.Context(), qname, n, wait, batch)
		}}, nil

	case http.MethodDelete:
		if q.Has("ReceiptHandle") || len(bytes.TrimSpace(body)) == 0 {
			h := q.Get("ReceiptHandle")
			return &call{api: "DeleteMessage", queue: qname, run: func() reply { return s.deleteMessage(qname, h) }}, nil
		}
		return &call{api: "BatchDeleteMessage", queue: qname, run: func() reply { return s.batchDeleteMessage(qname, body) }}, nil

	case http.MethodPut:
		h, vt := q.Get("ReceiptHandle"), q.Get("VisibilityTimeout")
		return &call{api: "ChangeMessageVisibility", queue: qname, run: func() reply { return s.changeVisibility(qname, h, vt) }}, nil
	}
	return nil, errorf("InvalidRequestURL", "Http request URL format invalid: %s %s.", r.Method, r.URL.Path)
}

// waitFor is a receive's long-polling time: waitseconds (0..30) when given,
// otherwise the queue's PollingWaitSeconds.
func (s *Service) waitFor(qname, v string, given bool) (time.Duration, *apiError) {
	if given {
		n, e := intIn(v, "waitseconds", 0, 30, "seconds")
		return time.Duration(n) * time.Second, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q, ok := s.queues[qname]; ok {
		return q.cfg.pollingWait, nil
	}
	return 0, nil
}

// rootElement is the local name of the body's first element, "" if none.
func rootElement(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}
