package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/imageshare/ecs-image-share/outcome"
)

// RetryPolicy bounds the retries of one call. Every wait also stays within
// the context's deadline: a retry that could not start before it is not made.
type RetryPolicy struct {
	// Base is the first wait; each later one doubles, up to Max. Defaults
	// 200ms and 10s.
	Base, Max time.Duration
	// Attempts is the most calls made for one request, the first included.
	// Default 8.
	Attempts int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Base <= 0 {
		p.Base = 200 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 10 * time.Second
	}
	if p.Attempts <= 0 {
		p.Attempts = 8
	}
	return p
}

// backoff is the wait before retry n (1 for the first retry): "equal
// jitter", a random point in the upper half of min(Max, Base·2^(n−1)). The
// floor keeps throttled callers from probing again at once, the jitter keeps
// many functions throttled together from coming back in step.
func (p RetryPolicy) backoff(n int, rnd *rand.Rand) time.Duration {
	d := p.Max
	if n-1 < 32 && p.Base<<(n-1) < p.Max {
		d = p.Base << (n - 1)
	}
	half := d / 2
	return half + time.Duration(rnd.Int64N(int64(half)+1))
}

// WithDefaults returns p with its zero fields set to the defaults, as the
// engine uses it. Other callers of the cloud (package directory) retry with
// the same policy.
func (p RetryPolicy) WithDefaults() RetryPolicy { return p.withDefaults() }

// Backoff is the wait before retry n (1 for the first), as the engine waits.
func (p RetryPolicy) Backoff(n int, rnd *rand.Rand) time.Duration { return p.backoff(n, rnd) }

// settleFunc is called before retrying an ambiguous failure (the call may
// have been applied). It reads the state back and narrows what is left to
// do; done means nothing is.
type settleFunc func() (done bool, err *outcome.Error)

// call makes one API call through fn, counting every attempt, and retries
// retryable failures with jittered exponential backoff. Before retrying an
// ambiguous failure it calls settle (when given) instead of resending blindly.
// fn must build a fresh request on every call.
func (r *run) call(api string, fn func() error, settle settleFunc) *outcome.Error {
	oe, _ := r.callInfo(api, fn, settle)
	return oe
}

// callInfo is call that also says how the final error is to be treated.
func (r *run) callInfo(api string, fn func() error, settle settleFunc) (*outcome.Error, codeInfo) {
	pol := r.e.retry
	for attempt := 1; ; attempt++ {
		if oe := r.expired(); oe != nil {
			return oe, codeInfo{code: oe.Code, retryable: true}
		}
		if lim := r.e.limiter; lim != nil {
			if err := lim.Wait(r.ctx, api); err != nil {
				return &outcome.Error{Code: outcome.CloudUnavailable, Retryable: true,
					Message: "no time left to call " + api + " within the rate limit: " + err.Error(), Err: err}, codeInfo{code: outcome.CloudUnavailable, retryable: true}
			}
		}
		r.calls[api]++
		err := fn()
		if err == nil {
			return nil, codeInfo{}
		}
		cl := classify
		if r.classify != nil {
			cl = r.classify
		}
		oe, info := cl(err)
		log := r.log.With("api", api, "attempt", attempt, "code", oe.Code, "ecsCode", oe.ECSCode, "requestId", oe.RequestID)
		if r.batch > 0 {
			log = log.With("batch", r.batch)
		}
		if !info.retryable {
			log.Info("ecs call failed", "error", oe.Message)
			return oe, info
		}
		wait := pol.backoff(attempt, r.e.rand)
		if attempt >= pol.Attempts || !r.fits(wait) {
			log.Warn("ecs call failed, no retries left", "error", oe.Message)
			oe.Message = fmt.Sprintf("%s (gave up after %d attempts)", oe.Message, attempt)
			return oe, info
		}
		log.Warn("ecs call failed, retrying", "wait", wait, "ambiguous", info.ambiguous, "error", oe.Message)
		if err := r.e.sleep(r.ctx, wait); err != nil {
			return oe, info
		}
		if info.ambiguous && settle != nil {
			done, serr := settle()
			if serr != nil {
				return serr, codeInfo{code: serr.Code, retryable: serr.Retryable}
			}
			if done {
				return nil, codeInfo{}
			}
		}
	}
}

// fits reports whether waiting d still leaves the deadline ahead.
func (r *run) fits(d time.Duration) bool {
	dl, ok := r.ctx.Deadline()
	return !ok || r.e.clock.Now().Add(d).Before(dl)
}

// expired returns a retryable error once the context is done or its
// deadline has passed on the engine's clock.
func (r *run) expired() *outcome.Error {
	err := r.ctx.Err()
	if err == nil && !r.fits(0) {
		err = context.DeadlineExceeded
	}
	if err == nil {
		return nil
	}
	return &outcome.Error{Code: outcome.CloudUnavailable, Retryable: true,
		Message: "the invocation's time ran out before the call: " + err.Error(), Err: err}
}

// prepare bounds a request's read timeout by the time left before the
// deadline: the SDK takes no context, so this is how a call stops waiting
// when the invocation must end.
func (r *run) prepare(req requests.AcsRequest) {
	dl, ok := r.ctx.Deadline()
	if !ok {
		return
	}
	left := dl.Sub(r.e.clock.Now())
	limit := r.e.client.GetReadTimeout()
	if limit <= 0 {
		limit = sdkDefaultReadTimeout
	}
	if left < limit {
		req.SetReadTimeout(max(left, time.Millisecond))
	}
}

// sdkDefaultReadTimeout is the SDK's read timeout when the client sets none.
const sdkDefaultReadTimeout = 10 * time.Second
