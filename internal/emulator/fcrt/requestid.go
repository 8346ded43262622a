package fcrt

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// newRequestID returns an id shaped like FC 3.0's
// ("1-<epoch seconds, hex>-<8 hex>-<12 hex>"), random enough to be unique.
func newRequestID(now time.Time) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	r := hex.EncodeToString(b[:])
	return fmt.Sprintf("1-%08x-%s-%s", now.Unix(), r[:8], r[8:])
}

// checkRequestID rejects ids that cannot travel as one path segment of
// .../invocation/{id}/response unchanged.
func checkRequestID(id string) error {
	if id == "" || len(id) > 256 || id == "." || id == ".." || url.PathEscape(id) != id {
		return fmt.Errorf("fcrt: request id %q is not a plain URL path segment", id)
	}
	return nil
}
