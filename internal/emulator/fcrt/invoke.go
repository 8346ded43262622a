package fcrt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Invoke delivers inv to the function's handler (x-fc-function-type 0) and
// waits for its answer, its timeout, the end of ctx or Close. A function
// error or timeout is a Result with Error set, not an error: the error is
// for the invocation that could not run (ctx ended, runtime closed, bad
// RequestID). Invocations may overlap; each waits for its own answer.
func (rt *Runtime) Invoke(ctx context.Context, inv Invocation) (Result, error) {
	return rt.run(ctx, inv, typeHandler)
}

// Initialize runs the function's initializer (x-fc-function-type 1, the
// SDK's RegisterInitializerFunction). FC runs it once per instance before any
// invocation; ordering it so is up to the caller. A function without an
// initializer answers with an error.
func (rt *Runtime) Initialize(ctx context.Context, inv Invocation) (Result, error) {
	return rt.run(ctx, inv, typeInitializer)
}

// PreStop runs the function's PreStop hook (x-fc-function-type 2).
func (rt *Runtime) PreStop(ctx context.Context, inv Invocation) (Result, error) {
	return rt.run(ctx, inv, typePreStop)
}

// PreFreeze runs the function's PreFreeze hook (x-fc-function-type 3).
func (rt *Runtime) PreFreeze(ctx context.Context, inv Invocation) (Result, error) {
	return rt.run(ctx, inv, typePreFreeze)
}

func (rt *Runtime) run(ctx context.Context, inv Invocation, typ functionType) (Result, error) {
	c, err := rt.register(inv, typ)
	if err != nil {
		return Result{RequestID: inv.RequestID}, err
	}
	// end settles the call with o unless the function or another cause
	// settled it first, and returns whichever outcome won.
	end := func(o outcome) outcome {
		rt.finish(c, o)
		return <-c.done
	}

	// Wait for a poll to take it; the timeout runs from then on.
	select {
	case rt.queue <- c:
	case <-ctx.Done():
		return end(outcome{err: context.Cause(ctx)}).result(c)
	case <-rt.closed:
		return end(outcome{err: ErrClosed}).result(c)
	}
	start := time.Now()
	expired := time.NewTimer(c.inv.Timeout)
	defer expired.Stop()

	var o outcome
	select {
	case o = <-c.done:
	case <-expired.C:
		o = end(outcome{timedOut: true})
	case <-ctx.Done():
		o = end(outcome{err: context.Cause(ctx)})
	case <-rt.closed:
		o = end(outcome{err: ErrClosed})
	}
	res, err := o.result(c)
	res.Duration = time.Since(start)
	return res, err
}

// register validates inv, fills in its defaults and records the call.
func (rt *Runtime) register(inv Invocation, typ functionType) (*call, error) {
	select {
	case <-rt.closed:
		return nil, ErrClosed
	default:
	}
	if inv.Timeout < 0 {
		return nil, fmt.Errorf("fcrt: negative timeout %v", inv.Timeout)
	}
	if inv.Timeout == 0 {
		inv.Timeout = DefaultTimeout
	}
	if inv.RequestID == "" {
		inv.RequestID = newRequestID(time.Now())
	}
	if err := checkRequestID(inv.RequestID); err != nil {
		return nil, err
	}
	c := &call{inv: inv, typ: typ, done: make(chan outcome, 1)}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.calls[inv.RequestID]; dup {
		return nil, fmt.Errorf("fcrt: request id %q is already in flight", inv.RequestID)
	}
	rt.calls[inv.RequestID] = c
	return c, nil
}

// result turns how c ended into Invoke's answer.
func (o outcome) result(c *call) (Result, error) {
	res := Result{RequestID: c.inv.RequestID}
	switch {
	case o.err != nil:
		return res, o.err
	case o.timedOut:
		res.TimedOut = true
		res.Error = &InvocationError{ErrorMessage: fmt.Sprintf(
			"Function timed out after %d seconds", timeoutSeconds(c.inv.Timeout))}
		res.Body, _ = json.Marshal(res.Error)
	case o.failed:
		res.Body = o.body
		res.Error = decodeError(o.body)
	default:
		res.Body = o.body
	}
	return res, nil
}

// decodeError reads an error document. A runtime other than the Go SDK may
// post anything; what is not a document becomes the message as it came.
func decodeError(body []byte) *InvocationError {
	var e InvocationError
	if err := json.Unmarshal(body, &e); err != nil || e.ErrorMessage == "" && e.ErrorType == "" {
		return &InvocationError{ErrorMessage: string(body)}
	}
	return &e
}
