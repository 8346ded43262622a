// Package emulator is an offline Alibaba Cloud: ECS RPC, MNS REST, OSS and
// the Function Compute runtime API on one HTTP listener, seeded from a world
// file.
// The real SDK clients talk to it unchanged, signatures verified, so code that
// passes against it speaks the documented protocols.
//
// Routing on one address. OSS is recognised first, by what only an OSS
// request carries (its paths are any bucket and key, so they could be any
// path); the other services' own paths do not overlap:
//
//	Authorization OSS4-HMAC-SHA256... or OSS <id>:..., any x-oss-* header,
//	a presigned OSS query (OSSAccessKeyId, x-oss-signature), or
//	Host <bucket>.oss-<region>.aliyuncs.com / oss-<region>.aliyuncs.com
//	                                  OSS objects, path style /<bucket>/<key>
//	                                  or virtual-hosted
//	/?Action=...                      ECS RPC (Version 2014-05-26)
//	/?Action=...&Version=2020-03-31   ResourceManager RPC: the same path as
//	                                  ECS, so the RPC Version (query, form
//	                                  body, or x-acs-version header) picks it
//	/queues/..., /topics/...          MNS REST (x-mns-version 2015-06-06)
//	/2020-11-11/runtime/invocation/   FC runtime API (for a compiled function)
package emulator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/fcrt"
	"github.com/imageshare/ecs-image-share/internal/emulator/mns"
	"github.com/imageshare/ecs-image-share/internal/emulator/oss"
	"github.com/imageshare/ecs-image-share/internal/emulator/resourcemanager"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Emulator is one emulated cloud. Its fields are the services and knobs that
// tests and the local command reach into; all are safe for concurrent use.
type Emulator struct {
	World   *world.World
	Clock   *clock.Manual
	Faults  *fault.Injector
	ECS     *ecs.Service
	MNS     *mns.Service
	OSS     *oss.Service
	RM      *resourcemanager.Service
	Runtime *fcrt.Runtime

	stop     chan struct{}
	stopOnce sync.Once
}

// Options tune an emulator.
type Options struct {
	// Running makes emulated time also move with real time (the emulate
	// command); by default it moves only on Advance (tests, local runs).
	Running bool
	// BucketClock, when set, is the clock OSS stamps objects and answers
	// with, instead of the emulated one. The function's ledger reckons a
	// claim's lease from its invocation's deadline (real time) and a
	// record's age by the service's clock: a harness that moves emulated
	// time faster than real time (the soak) keeps the two at one pace by
	// passing the wall clock.
	BucketClock clock.Clock
}

// New builds an emulator from a world.
func New(w *world.World, opt Options) *Emulator {
	clk := clock.NewManual(w.StartTime)
	if opt.Running {
		clk = clock.NewRunning(w.StartTime)
	}
	e := &Emulator{World: w, Clock: clk, Faults: fault.New(w), stop: make(chan struct{})}
	e.ECS = ecs.New(w, clk, e.Faults, e.stop)
	e.MNS = mns.New(w, clk, e.Faults, e.stop)
	var bucketClock clock.Clock = clk
	if opt.BucketClock != nil {
		bucketClock = opt.BucketClock
	}
	e.OSS = oss.New(w, bucketClock, e.Faults, e.stop)
	e.RM = resourcemanager.New(w, clk, e.Faults, e.stop, e.ECS.UseNonce)
	e.Runtime = fcrt.New()
	return e
}

// ServeHTTP routes a request to the service that owns its path.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case isOSS(r):
		e.OSS.ServeHTTP(w, r)
	case strings.HasPrefix(p, "/queues") || strings.HasPrefix(p, "/topics"):
		e.MNS.ServeHTTP(w, r)
	case strings.HasPrefix(p, "/2020-11-11/runtime/"):
		e.Runtime.ServeHTTP(w, r)
	case rpcVersion(r) == resourcemanager.APIVersion:
		e.RM.ServeHTTP(w, r)
	default:
		e.ECS.ServeHTTP(w, r)
	}
}

// isOSS reports whether r is an OSS request: signed with an OSS scheme,
// carrying an x-oss-* header (every SDK request does: x-oss-date, or
// x-oss-content-sha256), presigned for OSS, or addressed to an OSS host.
// No ECS, ResourceManager, MNS or runtime request carries any of these.
func isOSS(r *http.Request) bool {
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "OSS4-HMAC-SHA256 ") || strings.HasPrefix(auth, "OSS ") {
		return true
	}
	for name := range r.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-oss-") {
			return true
		}
	}
	if q := r.URL.Query(); q.Has("OSSAccessKeyId") || q.Has("x-oss-signature") {
		return true
	}
	return oss.IsOSSHost(r.Host)
}

// rpcVersion is the Version an RPC request names: in the query string (as
// the Go SDK sends it), the x-acs-version header (V3 clients), or a form
// body, which it reads and puts back for the service.
func rpcVersion(r *http.Request) string {
	if v := r.URL.Query().Get("Version"); v != "" {
		return v
	}
	if v := r.Header.Get("x-acs-version"); v != "" {
		return v
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, rpcv1.MaxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil {
		return ""
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return form.Get("Version")
}

// Advance moves emulated time forward: images finish creating, delayed and
// invisible messages become visible.
func (e *Emulator) Advance(d time.Duration) { e.Clock.Advance(d) }

// Close releases every request the emulator holds open (long polls, hung
// calls, runtime polls). Call it before closing the HTTP server.
func (e *Emulator) Close() {
	e.stopOnce.Do(func() {
		close(e.stop)
		e.Runtime.Close()
	})
}

// Server is an emulator serving HTTP on a listener.
type Server struct {
	*Emulator
	// Addr is the host:port it listens on.
	Addr string
	srv  *http.Server
	done chan error
}

// Listen starts serving e on addr ("127.0.0.1:0" picks a free port).
func Listen(e *Emulator, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Emulator: e,
		Addr:     ln.Addr().String(),
		srv:      &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is the base URL of the server, for endpoints.
func (s *Server) URL() string { return "http://" + s.Addr }

// Shutdown releases held requests and stops the server gracefully.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Close()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
