// Package ledger records which steps of which chains of attempts were
// taken, so that a step is taken once however many times, and on however
// many function instances, its request is delivered.
//
// A deferred request is a chain: attempt 1 finds its image not ready and
// queues attempt 2, which queues attempt 3, and so on. Every trigger
// delivers at least once, so one attempt can be worked twice, on two
// instances at the same time; without a record both queue the next attempt
// and the chain forks, and every fork publishes its own outcomes and makes
// its own ECS calls until the image is ready. Before queueing a next attempt
// an instance claims the step in the ledger; only the claim's winner queues.
//
// Two ledgers: Local remembers the steps this instance took (forks can
// still start on other instances: at most one chain per instance), and OSS
// keeps them in a bucket every instance shares, where a write that must not
// overwrite (x-oss-forbid-overwrite) makes exactly one instance the winner.
package ledger

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Ledger records claimed steps. Keys are opaque strings of any length.
type Ledger interface {
	// Claim records key. It reports whether this call recorded it (won),
	// or it had been recorded before, by this instance or another. With a
	// lease, a record older than the lease is taken over: its holder is
	// gone (an invocation that outlived its timeout was stopped). On an
	// error the caller does not know; it must not assume either answer
	// without weighing what each mistake costs.
	Claim(ctx context.Context, key string, lease time.Duration) (won bool, err error)
	// Has reports whether key is recorded.
	Has(ctx context.Context, key string) (bool, error)
	// Release forgets a key this instance won but whose step it could not
	// take (the next attempt could not be queued), so that a redelivery
	// can claim it again.
	Release(ctx context.Context, key string) error
	// Shared reports whether the record is seen by every instance.
	Shared() bool
}

// localSteps is how many steps a Local ledger remembers. A key is under
// 200 bytes, so this is a few MB at most; a step forgotten is taken again
// by a late duplicate, which costs a fork, never a lost image.
const localSteps = 20000

// Local is a ledger of this instance only.
type Local struct {
	mu    sync.Mutex
	now   func() time.Time
	steps *lru.Cache[string, time.Time] // key → when claimed
}

// NewLocal returns an empty local ledger.
func NewLocal() *Local {
	steps, err := lru.New[string, time.Time](localSteps)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &Local{steps: steps, now: time.Now}
}

// Claim implements Ledger.
func (l *Local) Claim(_ context.Context, key string, lease time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if at, ok := l.steps.Get(key); ok && (lease <= 0 || now.Sub(at) < lease) {
		return false, nil
	}
	l.steps.Add(key, now)
	return true, nil
}

// Has implements Ledger.
func (l *Local) Has(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.steps.Contains(key), nil
}

// Release implements Ledger.
func (l *Local) Release(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps.Remove(key)
	return nil
}

// Shared implements Ledger: a local ledger is not.
func (l *Local) Shared() bool { return false }
