// Package nonce remembers the signature nonces of authenticated requests so
// an emulated endpoint can refuse a replay. One Cache serves every signature
// scheme of an endpoint (RPC V1 SignatureNonce, V3 x-acs-signature-nonce), so
// a nonce used under one is also refused under the other.
package nonce

import (
	"container/heap"
	"sync"
	"time"
)

// Cache remembers the nonces of authenticated requests until their
// timestamps leave the accepted window, after which the timestamp check
// rejects a replay anyway. It holds at most max live nonces:
// past that the ones expiring first are forgotten, so memory stays bounded
// whatever the request rate (at the cost of replay detection for the oldest).
type Cache struct {
	mu   sync.Mutex
	max  int
	seen map[string]time.Time // nonce → expiry
	exp  expiryHeap
}

// New returns a cache that holds at most max live nonces.
func New(max int) *Cache {
	return &Cache{max: max, seen: map[string]time.Time{}}
}

// Use records nonce as used until expires and reports whether it was fresh.
// It is safe for concurrent use.
func (c *Cache) Use(nonce string, expires, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.exp) > 0 && !c.exp[0].at.After(now) {
		c.forgetFirst()
	}
	if _, ok := c.seen[nonce]; ok {
		return false
	}
	for len(c.seen) >= c.max {
		c.forgetFirst()
	}
	c.seen[nonce] = expires
	heap.Push(&c.exp, expiry{nonce: nonce, at: expires})
	return true
}

func (c *Cache) forgetFirst() {
	e := heap.Pop(&c.exp).(expiry)
	delete(c.seen, e.nonce)
}

type expiry struct {
	nonce string
	at    time.Time
}

// expiryHeap is a min-heap of expiries (container/heap.Interface).
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
