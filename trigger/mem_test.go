package trigger

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// allocated returns the bytes f allocates (total, not live: an upper bound
// on what it can hold at once).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodeHugeBatchCostsLittle: a 30 MB array of zeros — 15 million
// elements — is read no further than MaxItems elements: the first MaxItems
// become items and one more item says the rest was not read. Decoding it
// allocates less than the payload's own size (it used to take about four
// times the payload, and 15 million items).
func TestDecodeHugeBatchCostsLittle(t *testing.T) {
	n := 15_000_000
	payload := make([]byte, 0, 2*n+1)
	payload = append(payload, '[')
	for i := range n {
		if i > 0 {
			payload = append(payload, ',')
		}
		payload = append(payload, '0')
	}
	payload = append(payload, ']')
	var items []Item
	used := allocated(func() { items = Decode(payload, Options{}) })
	t.Logf("%d-byte payload: %d items, %d bytes allocated", len(payload), len(items), used)
	if len(items) != MaxItems+1 {
		t.Fatalf("%d items, want %d and one for the rest", len(items), MaxItems+1)
	}
	last := items[len(items)-1]
	if last.Err == nil || last.Err.Code != outcome.InvalidEvent || !bytes.Contains([]byte(last.Err.Message), []byte("10000")) {
		t.Errorf("last item %+v", last)
	}
	if used > uint64(len(payload)) {
		t.Errorf("decoding allocated %d bytes, more than the %d-byte payload", used, len(payload))
	}
}
