package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
)

// Queue names of the harness's worlds.
const (
	workQueue    = "work"
	outcomeQueue = "outcomes"
	outcomeTopic = "outcomes"
	inputQueue   = "requests"
	deadLetters  = "dlq" // where the soak's EventBridge sources put what they gave up on
	// ledgerBucket holds the deferral steps every instance shares, as a
	// production deployment's LEDGER_BUCKET does.
	ledgerBucket = "bench-ledger"
)

// functionEnv is the function's environment against e: the policy file and
// the queues, then extra KEY=VALUE settings (later ones win).
func functionEnv(e *emu, policyPath string, extra ...string) []string {
	return append([]string{
		"POLICY_FILE=" + policyPath,
		"OUTCOME_QUEUE=" + outcomeQueue,
		"WORK_QUEUE=" + workQueue,
		// Seals the function's own work-queue requests (deferrals, fan-out).
		"REQUEST_KEY=bench-request-key-0123456789abcdef-0123",
		"MNS_ENDPOINT=" + e.url,
		"ECS_ENDPOINT=" + e.url,
		"RM_ENDPOINT=" + e.url,
		"LEDGER_BUCKET=" + ledgerBucket,
		"LEDGER_ENDPOINT=" + e.url,
		"WAIT_READY_SECONDS=0",
		"LOG_LEVEL=WARN",
	}, extra...)
}

// writePolicy writes a policy file into dir.
func writePolicy(dir, text string) (string, error) {
	path := filepath.Join(dir, "policy.yaml")
	return path, os.WriteFile(path, []byte(text), 0o600)
}

// fleet is a set of function instances, as Function Compute scales one
// function out.
type fleet []*instance

// startFleet starts n instances of binary with env.
func startFleet(binary string, n int, env []string) (fleet, error) {
	var f fleet
	for range n {
		in, err := startInstance(binary, env)
		if err != nil {
			f.stop()
			return nil, err
		}
		f = append(f, in)
	}
	return f, nil
}

// stop stops every instance and returns the largest peak memory.
func (f fleet) stop() int64 {
	var peak int64
	for _, in := range f {
		peak = max(peak, in.stop())
	}
	return peak
}

// panics returns every instance's stderr lines that mention a panic, and
// notes any instance that had exited by itself when it was stopped.
func (f fleet) panics() []string {
	var out []string
	for i, in := range f {
		for _, l := range in.panics() {
			out = append(out, fmt.Sprintf("instance %d: %s", i, l))
		}
		if in.crashed {
			out = append(out, fmt.Sprintf("instance %d exited by itself", i))
		}
	}
	return out
}

// source is an EventBridge MNS source on one queue for one goroutine (the
// SDK's queue objects are not safe for concurrent use), configured as
// s.yaml configures the work-queue trigger: BACKOFF_RETRY, errorsTolerance
// ALL, the dead-letter queue.
func (e *emu) source(queue string, batch int, rnd *rand.Rand) (*eventbridge.MNSSource, error) {
	mc, err := e.mnsClient()
	if err != nil {
		return nil, err
	}
	return &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue(queue, mc), QueueName: queue,
		AccountID: owner, Region: region, BatchSize: batch,
		RetryStrategy: eventbridge.BackoffRetry, ErrorsTolerance: eventbridge.ToleranceAll,
		DeadLetter: ali_mns.NewMNSQueue(deadLetters, mc), Rand: rnd}, nil
}

// invocationStats counts invocations and their failures across goroutines.
type invocationStats struct {
	mu       sync.Mutex
	total    int
	failed   int
	timedOut int
	errors   []string
}

func (s *invocationStats) record(err error, failure string, timedOut bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	switch {
	case err != nil:
		s.failed++
		if len(s.errors) < 20 {
			s.errors = append(s.errors, err.Error())
		}
	case timedOut:
		s.failed++
		s.timedOut++
	case failure != "":
		s.failed++
		if len(s.errors) < 20 {
			s.errors = append(s.errors, failure)
		}
	}
}

// deliver invokes one payload on in and records how it ended; it reports
// whether the invocation succeeded (so the delivery may be acknowledged).
func (s *invocationStats) deliver(ctx context.Context, in *instance, payload []byte, timeout time.Duration) bool {
	res, err := in.invoke(ctx, payload, timeout)
	failure := ""
	if err == nil && res.Error != nil {
		failure = res.Error.Error()
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	s.record(err, failure, res.TimedOut)
	return err == nil && res.Error == nil
}

func (s *invocationStats) snapshot() (total, failed int, errs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.failed, append([]string(nil), s.errors...)
}
