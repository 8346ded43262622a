package request

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// MinKeyBytes is the shortest key Seal and Authentic accept: 256 bits, the
// size of HMAC-SHA256's output, so the key is never the weak part.
const MinKeyBytes = 32

// sealContext separates these MACs from any other use of the same key.
const sealContext = "ecs-image-share request seal v1\n"

// Seal returns r's wire form with "seal" set: HMAC-SHA256, under key, of
// the canonical form of r without its seal (what Marshal writes), in
// unpadded base64url.
//
// Origin, Attempt and Sweep are fields only the function itself may write
// (on a deferred reconcile, on a sweep's fanned-out requests): they choose
// the outcome id, whether an image is still deferred, and whether a
// refusal is published. Any queue writer can
// put them in a body, so the function trusts them only in a request it
// sealed itself (Authentic), with a key no queue writer has.
func Seal(r Request, key []byte) ([]byte, error) {
	r.Seal = ""
	body, err := Marshal(r)
	if err != nil {
		return nil, err
	}
	r.Seal = mac(key, body)
	return Marshal(r)
}

// Authentic reports whether r carries a seal that key made over r's
// canonical form. A key shorter than MinKeyBytes authenticates nothing.
func (r Request) Authentic(key []byte) bool {
	if len(key) < MinKeyBytes || r.Seal == "" {
		return false
	}
	u := r
	u.Seal = ""
	body, err := Marshal(u)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(r.Seal), []byte(mac(key, body)))
}

func mac(key, body []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(sealContext))
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
