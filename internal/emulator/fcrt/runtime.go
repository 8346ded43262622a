package fcrt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// ErrClosed is returned by Invoke once the Runtime is closed.
var ErrClosed = errors.New("fcrt: runtime closed")

// APIPrefix is where the runtime API lives under $FC_RUNTIME_API.
const APIPrefix = "/2020-11-11/runtime/invocation/"

// MaxBodyBytes bounds a completion the function posts: 32 MiB, Function
// Compute's limit on a synchronous invocation's body. A larger one is
// refused with 413 EntityTooLarge (the service's code for a payload over
// its limit) after reading no more than the limit, instead of being held
// whole (a 2 GB POST held 4.4 GB).
const MaxBodyBytes = 32 << 20

// Runtime is an emulated FC runtime API: an http.Handler for the function
// side and Invoke for the platform side. It is safe for concurrent use.
type Runtime struct {
	mux *http.ServeMux
	// queue hands an invocation from Invoke to exactly one waiting /next poll.
	// Unbuffered: an invocation whose caller gives up before any poll takes it
	// is never delivered.
	queue     chan *call
	closed    chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	calls map[string]*call // by request id, from Invoke until the call ends
}

// call is one invocation in flight.
type call struct {
	inv  Invocation
	typ  functionType
	done chan outcome // receives exactly one outcome; buffered

	// Guarded by Runtime.mu.
	delivered bool
	finished  bool
}

// outcome is how a call ended: a completion posted by the function, a
// timeout, or an error for Invoke's caller.
type outcome struct {
	body     []byte
	failed   bool // posted to .../error
	timedOut bool
	err      error
}

// New returns a Runtime with nothing queued.
func New() *Runtime {
	rt := &Runtime{
		mux:    http.NewServeMux(),
		queue:  make(chan *call),
		closed: make(chan struct{}),
		calls:  map[string]*call{},
	}
	rt.mux.HandleFunc("GET "+APIPrefix+"next", rt.serveNext)
	rt.mux.HandleFunc("POST "+APIPrefix+"{id}/response", rt.serveCompletion(false))
	rt.mux.HandleFunc("POST "+APIPrefix+"{id}/error", rt.serveCompletion(true))
	return rt
}

// ServeHTTP serves the runtime API.
func (rt *Runtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mux.ServeHTTP(w, r)
}

// Close releases every blocked /next poll (503) and makes every pending and
// later Invoke return ErrClosed. Later polls get 503 at once; since the SDK
// re-polls without pause, stop the function process before closing.
func (rt *Runtime) Close() {
	rt.closeOnce.Do(func() { close(rt.closed) })
}

// serveNext blocks until an invocation is queued, then delivers it.
func (rt *Runtime) serveNext(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// The GET pattern also matches HEAD, which would take an invocation
		// and drop its body.
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
		return
	}
	select {
	case c := <-rt.queue:
		rt.deliver(w, c)
	case <-r.Context().Done():
	case <-rt.closed:
		writeError(w, http.StatusServiceUnavailable, "RuntimeClosed", "the runtime is shutting down")
	}
}

func (rt *Runtime) deliver(w http.ResponseWriter, c *call) {
	// Mark it delivered before the function can see it, so that its
	// completion, however fast, finds it.
	rt.mu.Lock()
	c.delivered = true
	rt.mu.Unlock()
	setInvocationHeaders(w.Header(), &c.inv, c.typ, time.Now().Add(c.inv.Timeout))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(c.inv.Payload) // a poller gone now leaves the call to time out, as on FC
}

// serveCompletion ends a delivered invocation with the posted body.
func (rt *Runtime) serveCompletion(failed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge",
				fmt.Sprintf("payload size exceeds maximum allowed size (%d bytes)", MaxBodyBytes))
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "reading the body: "+err.Error())
			return
		}
		if !rt.complete(r.PathValue("id"), outcome{body: body, failed: failed}) {
			writeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// complete ends the delivered, unfinished call with id; false if there is none.
func (rt *Runtime) complete(id string, o outcome) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	c, ok := rt.calls[id]
	if !ok || !c.delivered {
		return false
	}
	return rt.finishLocked(c, o)
}

// finish ends c with o unless something ended it first.
func (rt *Runtime) finish(c *call, o outcome) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.finishLocked(c, o)
}

func (rt *Runtime) finishLocked(c *call, o outcome) bool {
	if c.finished {
		return false
	}
	c.finished = true
	delete(rt.calls, c.inv.RequestID)
	c.done <- o // buffered, one slot, one send
	return true
}

// writeError answers in the runtime API's error format (Lambda's, which the
// SDK's own error documents share).
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(InvocationError{ErrorMessage: msg, ErrorType: typ})
}
