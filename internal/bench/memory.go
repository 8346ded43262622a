package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// MemoryConfig sizes the memory measurement.
type MemoryConfig struct {
	Binary    string
	Messages  int   // queue messages in the one batch (default 100)
	HelloPeak int64 // the hello-world binary's peak, for reference (0: unknown)
	Seed      uint64
}

// MemoryResult is the function's peak memory over one batch.
type MemoryResult struct {
	Messages  int
	Peak      int64 // bytes, the process's maximum resident set size
	Outcomes  int
	Shares    int // accounts shared by the batch
	Elapsed   time.Duration
	HelloPeak int64
}

// smallestInstance is Function Compute's smallest memory size.
const smallestInstance = 128 << 20

// Memory delivers one batch of cfg.Messages MNS queue messages, each a
// reconcile of one image that wants 0..50 accounts, to a fresh function
// process, and reads its peak resident memory once it is stopped.
func Memory(ctx context.Context, cfg MemoryConfig) (*MemoryResult, error) {
	if cfg.Messages <= 0 {
		cfg.Messages = 100
	}
	images, _ := bulkFleet(cfg.Messages, cfg.Seed)
	w := newWorld(accounts(2, 1, 51), world.Queue{Name: outcomeQueue}, world.Queue{Name: workQueue})
	w.Images = images
	e, err := startEmu(w, emulator.Options{})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	dir, err := os.MkdirTemp("", "bench-mem-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	policyPath, err := writePolicy(dir, bulkPolicy())
	if err != nil {
		return nil, err
	}
	in, err := startInstance(cfg.Binary, functionEnv(e, policyPath, "ECS_CALLS_PER_SECOND=1000"))
	if err != nil {
		return nil, err
	}
	defer in.stop()

	var msgs []queueMessage
	for i, im := range images {
		body, _ := json.Marshal(map[string]any{"action": "reconcile", "regionId": region, "imageIds": []string{im.ID}})
		msgs = append(msgs, queueMessage{ID: fmt.Sprintf("MEM-%04d", i), Body: string(body)})
	}
	start := time.Now()
	r, err := in.invoke(ctx, mnsBatch(inputQueue, msgs), 5*time.Minute)
	if err == nil && r.Error != nil {
		err = r.Error
	}
	if err != nil {
		return nil, fmt.Errorf("batch of %d: %w", cfg.Messages, err)
	}
	res := &MemoryResult{Messages: cfg.Messages, Elapsed: time.Since(start), HelloPeak: cfg.HelloPeak}
	res.Peak = in.stop()
	for _, m := range e.MNS.Messages(outcomeQueue) {
		var o outcome.Outcome
		if json.Unmarshal([]byte(m.Body), &o) == nil {
			res.Outcomes++
			res.Shares += len(o.Added)
		}
	}
	if res.Outcomes != cfg.Messages {
		return nil, fmt.Errorf("%d outcomes for %d messages", res.Outcomes, cfg.Messages)
	}
	return res, nil
}

// Rows reports the peak against the smallest instance.
func (r *MemoryResult) Rows() []Row {
	note := fmt.Sprintf("one invocation, %d reconciles, %d accounts shared, %d outcomes, in %s", r.Messages, r.Shares, r.Outcomes, r.Elapsed.Round(time.Millisecond))
	if r.HelloPeak > 0 {
		note += fmt.Sprintf("; hello-world's peak: %s", mib(r.HelloPeak))
	}
	measured := mib(r.Peak)
	if r.Peak == 0 {
		measured = "unknown on this platform"
	}
	return []Row{{
		Figure:    fmt.Sprintf("peak memory (VmHWM) handling a batch of %d queue messages", r.Messages),
		Measured:  measured,
		Reference: mib(smallestInstance) + " (FC's smallest instance)",
		Ratio:     ratio(float64(r.Peak), smallestInstance),
		Target:    "< 1.00",
		Note:      note,
	}}
}
