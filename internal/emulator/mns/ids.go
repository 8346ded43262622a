package mns

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Identifiers are deterministic (a per-service sequence and the emulated
// clock), so a seeded local run produces the same ids every time.

// nextSeqLocked advances the service sequence; s.mu is held.
func (s *Service) nextSeqLocked() uint64 {
	s.seq++
	return s.seq
}

// messageID has the shape of the service's ids
// (5F290C926D472878-2-14D9529A8FA-200000001): a hash of the queue or topic,
// the enqueue time in hex milliseconds and a sequence number.
func messageID(owner string, now time.Time, seq uint64) string {
	h := fnv.New64a()
	h.Write([]byte(owner))
	return fmt.Sprintf("%016X-1-%011X-%09d", h.Sum64(), now.UnixMilli(), seq)
}

// receiptHandle has the shape of the service's handles ("1-" and base64),
// and is new on every receive and visibility change.
func receiptHandle(m *message, seq uint64) string {
	raw := fmt.Sprintf("%s-%d-%d", m.id, m.dequeues, seq)
	return "1-" + base64.StdEncoding.EncodeToString([]byte(raw))
}

// wellFormedHandle tells a handle the service could have issued from garbage.
func wellFormedHandle(h string) bool {
	rest, ok := strings.CutPrefix(h, "1-")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && strings.Count(string(raw), "-") >= 2
}

// bodyMD5 is the MessageBodyMD5 the service returns: uppercase hex MD5.
func bodyMD5(body string) string {
	sum := md5.Sum([]byte(body))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// millis is a time as the service writes it in messages; zero is 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
