package mns

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// maxRequestBody bounds what a request may carry: well above 16 messages of
// 64 KiB in XML, far below anything that would hurt the emulator.
const maxRequestBody = 4 << 20

// Service is the emulated MNS REST API for one account. It is an
// http.Handler for /queues/... and /topics/...; the Host header is ignored,
// so it answers whatever endpoint name a client was configured with.
//
// All service time (message delays, visibility, enqueue and dequeue times,
// retention) runs on the injected clock; long polling waits on real time.
type Service struct {
	creds world.Credentials
	clk   clock.Clock
	inj   *fault.Injector
	stop  <-chan struct{}
	// advanceOnly is true when the clock moves only by advances it reports
	// (a frozen clock.Manual): waiters are then woken by Wake and need no
	// timers for messages that become visible later. Any other clock moves
	// with real time, so waiters also re-check when the next hidden message
	// is due.
	advanceOnly bool

	requests atomic.Uint64 // x-mns-request-id sequence

	mu      sync.Mutex
	seq     uint64 // message ids and receipt handles
	queues  map[string]*queue
	topics  map[string]*topic
	changed chan struct{} // closed and replaced on every change waiters care about
}

// advanceNotifier is a clock that calls back after it is advanced
// (clock.Manual).
type advanceNotifier interface {
	OnAdvance(func(time.Time))
}

// runner is a clock that may also move with real time (clock.NewRunning).
type runner interface {
	Running() bool
}

// New returns the service seeded with the world's queues and topics. Calls
// are authenticated against the world's credentials and then passed to inj,
// which may fail, delay or drop them. Closing stop releases every request
// the service holds (long polls, injected timeouts); it must be closed before
// the HTTP server is shut down.
//
// When clk is a clock.Manual the service subscribes to its advances, so a
// long poll returns as soon as an advance makes a message visible; when the
// clock also moves with real time (clock.NewRunning, clock.System) a long
// poll also re-checks when the next hidden message is due.
func New(w *world.World, clk clock.Clock, inj *fault.Injector, stop <-chan struct{}) *Service {
	s := &Service{
		creds:   w.Credentials,
		clk:     clk,
		inj:     inj,
		stop:    stop,
		queues:  map[string]*queue{},
		topics:  map[string]*topic{},
		changed: make(chan struct{}),
	}
	now := clk.Now()
	for _, q := range w.Queues {
		s.queues[q.Name] = newQueue(q.Name, configFromWorld(q), now)
	}
	for _, t := range w.Topics {
		maxSize := t.MaximumMessageSize
		if maxSize <= 0 { // a world built in Go, not parsed: the service's default
			maxSize = defaultQueueConfig().maxSize
		}
		s.topics[t.Name] = &topic{
			name:        t.Name,
			maxSize:     maxSize,
			subscribers: append([]string(nil), t.Subscribers...),
			created:     now,
			modified:    now,
		}
	}
	if n, ok := clk.(advanceNotifier); ok {
		n.OnAdvance(func(time.Time) { s.Wake() })
		r, mayRun := clk.(runner)
		s.advanceOnly = !mayRun || !r.Running()
	}
	return s
}

// reply is an operation's answer before it is written.
type reply struct {
	status int
	body   any // marshalled as XML when not nil
	header map[string]string
	err    *apiError
	// gone means the client left (a long poll it gave up on): write nothing.
	gone bool
}

func errReply(e *apiError) reply { return reply{err: e} }

// call is a routed request: the operation name the fault injector matches
// on, the resource, and the operation itself, run only if no fault stops it.
type call struct {
	api   string
	queue string
	topic string
	run   func() reply
}

// ServeHTTP authenticates the request, routes it, consults the fault
// injector and runs the operation. Requests that fail authentication or do
// not name an operation are answered without reaching the injector, so they
// are counted nowhere and never consume a fault.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := fmt.Sprintf("%024X", s.requests.Add(1))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		s.write(w, r, reqID, errReply(errorf("InvalidArgument", "The request body could not be read: %v.", err)))
		return
	}
	if e := s.authenticate(r, body); e != nil {
		s.write(w, r, reqID, errReply(e))
		return
	}
	c, e := s.route(r, body)
	if e != nil {
		s.write(w, r, reqID, errReply(e))
		return
	}

	d := s.inj.Decide(r.Context(), fault.Call{API: c.api, Queue: c.queue, Topic: c.topic, Throttle: throttleCode})
	if d.Kind == fault.Error {
		s.write(w, r, reqID, errReply(&apiError{code: d.Code, status: d.Status}))
		return
	}
	if fault.Drop(d, w, r, s.stop, func() { c.run() }) {
		return
	}
	s.write(w, r, reqID, c.run())
}

// write renders a reply with the headers every MNS answer carries.
func (s *Service) write(w http.ResponseWriter, r *http.Request, reqID string, rep reply) {
	if rep.gone {
		return
	}
	h := w.Header()
	h.Set("x-mns-request-id", reqID)
	h.Set("x-mns-version", Version)
	for k, v := range rep.header {
		h.Set(k, v)
	}
	status, body := rep.status, rep.body
	if rep.err != nil {
		status = rep.err.httpStatus()
		body = errorResponse{Code: rep.err.code, Message: rep.err.text(), RequestID: reqID, HostID: hostID(r)}
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(body); err != nil {
		// Only a programming error gets here: every body is a fixed type.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "text/xml;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// hostID is the endpoint the client addressed, as the service reports it.
func hostID(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// decodeXML decodes a request body: a body that is not XML is MalformedXML,
// XML of the wrong shape is InvalidArgument.
func decodeXML(body []byte, v any) *apiError {
	err := xml.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syntax *xml.SyntaxError
	if errors.As(err, &syntax) || len(bytes.TrimSpace(body)) == 0 {
		return errCode("MalformedXML")
	}
	return errorf("InvalidArgument", "The XML you provided did not validate against our published schema: %v.", err)
}

// notifyLocked wakes every long poll so it re-checks its queue; s.mu is held.
func (s *Service) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wake makes every waiting long poll re-check its queue now. The service
// calls it itself on every change and, with a clock.Manual, after every
// Advance; callers that move time some other way call it after doing so.
func (s *Service) Wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyLocked()
}
