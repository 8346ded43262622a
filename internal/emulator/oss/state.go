package oss

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Object is a stored object as tests inspect it.
type Object struct {
	Data        []byte
	ContentType string
	// ETag is the quoted upper-case hex MD5 of Data, as OSS answers it.
	ETag string
	// Metadata are the x-oss-meta-* headers it was put with, names lower-case.
	Metadata     map[string]string
	LastModified time.Time
	CRC64        uint64
}

// store holds every bucket's objects. One mutex guards it all: a put
// decides "absent, so mine" and stores in the same critical section, which
// is what makes x-oss-forbid-overwrite a fair race with one winner.
type store struct {
	mu      sync.Mutex
	buckets map[string]map[string]Object // bucket → key → object
}

func newStore(names []string) *store {
	s := &store{buckets: map[string]map[string]Object{}}
	for _, n := range names {
		s.buckets[n] = map[string]Object{}
	}
	return s
}

// put stores o under bucket/key unless forbidOverwrite and the key exists;
// it reports whether it stored. The bucket must exist.
func (s *store) put(bucket, key string, o Object, forbidOverwrite bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	objs := s.buckets[bucket]
	if _, exists := objs[key]; exists && forbidOverwrite {
		return false
	}
	objs[key] = o
	return true
}

func (s *store) get(bucket, key string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.buckets[bucket][key]
	if ok {
		o.Data = slices.Clone(o.Data)
		o.Metadata = maps.Clone(o.Metadata)
	}
	return o, ok
}

func (s *store) delete(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.buckets[bucket], key)
}

func (s *store) keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.buckets[bucket]))
}
