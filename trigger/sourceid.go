package trigger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// contentID is a stable id for content that has no id of its own: "sha256:"
// and the first 128 bits of its SHA-256 in hex. outcomeIds derive from it, so
// changing it changes them across releases (events_test.go pins examples).
func contentID(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// rawID is contentID of a payload element, compacted first when it is JSON so
// that whitespace does not change the id.
func rawID(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return contentID(b.Bytes())
	}
	return contentID(raw)
}
