package oss

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// MaxObjectSize bounds an object body. OSS takes up to 5 GB in one
// PutObject; the emulator serves small ledger objects and treats every body
// as untrusted, so it answers EntityTooLarge above this.
const MaxObjectSize = 4 << 20

// Service is the emulated OSS object API for the world's buckets. It is an
// http.Handler for path-style and virtual-hosted requests.
type Service struct {
	world *world.World
	clk   clock.Clock
	inj   *fault.Injector
	stop  <-chan struct{}
	// now is the real wall clock the signing time is checked against: real
	// clients sign with real time whatever the emulated clock says.
	now func() time.Time

	requests atomic.Uint64 // x-oss-request-id sequence
	store    *store
}

// New returns the service for the world's buckets, empty. Calls are
// authenticated against the world's credentials, then passed to inj, which
// may fail, delay or drop them. Closing stop releases injected timeouts.
func New(w *world.World, clk clock.Clock, inj *fault.Injector, stop <-chan struct{}) *Service {
	names := make([]string, len(w.Buckets))
	for i, b := range w.Buckets {
		names[i] = b.Name
	}
	return &Service{world: w, clk: clk, inj: inj, stop: stop, now: time.Now, store: newStore(names)}
}

// Object returns a copy of the object at bucket/key, for tests.
func (s *Service) Object(bucket, key string) (Object, bool) { return s.store.get(bucket, key) }

// Keys lists a bucket's keys in order, for tests.
func (s *Service) Keys(bucket string) []string { return s.store.keys(bucket) }

// reply is an operation's answer before it is written.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    *apiError
}

func errReply(e *apiError) reply { return reply{err: e} }

// ServeHTTP bounds and reads the body, authenticates, routes, consults the
// fault injector and runs the operation. Requests that fail before routing
// are answered without reaching the injector: counted nowhere, they never
// consume a fault.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := fmt.Sprintf("%024X", s.requests.Add(1))
	if r.ContentLength > MaxObjectSize {
		s.write(w, r, reqID, errReply(tooLarge()))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxObjectSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.write(w, r, reqID, errReply(tooLarge()))
			return
		}
		s.write(w, r, reqID, errReply(errorf("InvalidArgument", "The request body could not be read: %v.", err)))
		return
	}
	t := parseTarget(r)
	sig, e := verify(r, t.bucket, t.key, body, s.world.Credentials, s.now())
	if e != nil {
		s.write(w, r, reqID, errReply(e))
		return
	}
	c, e := s.route(r, t, sig, body)
	if e != nil {
		s.write(w, r, reqID, errReply(e))
		return
	}

	d := s.inj.Decide(r.Context(), fault.Call{API: c.api, Bucket: t.bucket, Throttle: throttleCode})
	if d.Kind == fault.Error {
		s.write(w, r, reqID, errReply(&apiError{code: d.Code, status: d.Status}))
		return
	}
	if fault.Drop(d, w, r, s.stop, func() { c.run() }) {
		return
	}
	s.write(w, r, reqID, c.run())
}

func tooLarge() *apiError {
	return errorf("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size of this emulator (%d bytes).", MaxObjectSize)
}

// write renders a reply with the headers every OSS answer carries. An error
// to a HEAD request has no body (HTTP forbids one); OSS then sends the error
// document base64-encoded in x-oss-err, which is where the SDK reads the
// code from.
func (s *Service) write(w http.ResponseWriter, r *http.Request, reqID string, rep reply) {
	h := w.Header()
	h.Set("x-oss-request-id", reqID)
	h.Set("Server", "AliyunOSS")
	// The service's time, as Last-Modified is: a client that compares the
	// two (the ledger ages its records so) sees one clock.
	h.Set("Date", s.clk.Now().UTC().Format(http.TimeFormat))
	for k, vs := range rep.header {
		h[k] = vs
	}
	if rep.err == nil {
		if rep.body != nil {
			h.Set("Content-Length", strconv.Itoa(len(rep.body)))
		}
		w.WriteHeader(rep.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(rep.body)
		}
		return
	}
	doc := errorBody{Code: rep.err.code, Message: rep.err.text(), RequestID: reqID, HostID: r.Host, Extra: rep.err.extra}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		// Only a programming error gets here: the document is a fixed type.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(buf.Bytes()))
		w.WriteHeader(rep.err.httpStatus())
		return
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(rep.err.httpStatus())
	_, _ = w.Write(buf.Bytes())
}

// call is a routed request: the operation name faults match on, and the
// operation, run only if no fault stops it.
type call struct {
	api string
	run func() reply
}

// route names the operation. Only the object operations the ledger uses
// are emulated; bucket and service operations, and object sub-resources
// (?acl, ?append, ?tagging...), are NotImplemented.
func (s *Service) route(r *http.Request, t target, sig signed, body []byte) (call, *apiError) {
	if t.bucket == "" {
		return call{}, errorf("NotImplemented", "Service operations (ListBuckets) are not emulated.")
	}
	b, ok := s.world.BucketByName(t.bucket)
	if !ok {
		return call{}, errCode("NoSuchBucket").with("BucketName", t.bucket)
	}
	if sig.region != "" && sig.region != b.Region {
		return call{}, errorf("InvalidArgument", "Invalid signing region in Authorization header: the bucket is in %s, the request was signed for %s.", b.Region, sig.region).with("Region", b.Region)
	}
	if t.key == "" {
		return call{}, errorf("NotImplemented", "Bucket operations are not emulated.")
	}
	if e := checkKey(t.key); e != nil {
		return call{}, e
	}
	for name := range r.URL.Query() {
		if v1SubResources[name] && !strings.HasPrefix(name, "response-") {
			return call{}, errorf("NotImplemented", "The object sub-resource %q is not emulated.", name)
		}
	}
	switch r.Method {
	case http.MethodPut:
		return call{api: "PutObject", run: func() reply { return s.putObject(r, t, body) }}, nil
	case http.MethodGet:
		return call{api: "GetObject", run: func() reply { return s.getObject(t) }}, nil
	case http.MethodHead:
		return call{api: "HeadObject", run: func() reply { return s.getObject(t) }}, nil
	case http.MethodDelete:
		return call{api: "DeleteObject", run: func() reply { s.store.delete(t.bucket, t.key); return reply{status: http.StatusNoContent} }}, nil
	}
	return call{}, errCode("MethodNotAllowed")
}
