package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// ColdStartConfig sizes the cold-start measurement.
type ColdStartConfig struct {
	Binaries
	Runs int // starts of each binary; medians are reported (default 5)
}

// StartTimes are one binary's median times from process start.
type StartTimes struct {
	// Answered: until its first invocation was answered.
	Answered time.Duration
	// Ready: until it took that invocation from the runtime API (Answered
	// less the handling time the runtime measured).
	Ready time.Duration
	Size  int64 // bytes on disk
	Peak  int64 // peak resident memory over the run, bytes
}

// ColdStartResult compares the function with the hello-world binary.
type ColdStartResult struct {
	Runs            int
	Function, Hello StartTimes
	Payload         string
}

// coldPayload is a realistic first event that needs little work: a
// reconcile of an image already shared as the policy wants (two reads and
// one outcome sent).
const coldPayload = `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-cold","correlationId":"cold-start"}`

const coldPolicy = `version: 1
groups:
  prod: ["2000000000000001", "2000000000000002"]
rules:
  - name: prod
    match: {tags: {env: prod}}
    shareWith: [prod]
`

// ColdStart starts each binary cfg.Runs times, alternating, and times its
// first invocation under the emulated runtime API.
func ColdStart(ctx context.Context, cfg ColdStartConfig) (*ColdStartResult, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 5
	}
	w := newWorld(accounts(2, 1, 3), world.Queue{Name: outcomeQueue}, world.Queue{Name: workQueue})
	w.Images = []world.Image{{ID: "m-cold", Tags: map[string]string{"env": "prod"}, SharedWith: accounts(2, 1, 3)}}
	e, err := startEmu(w, emulator.Options{})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	dir, err := os.MkdirTemp("", "bench-cold-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	policyPath, err := writePolicy(dir, coldPolicy)
	if err != nil {
		return nil, err
	}

	res := &ColdStartResult{Runs: cfg.Runs, Payload: coldPayload}
	var fn, hello []StartTimes
	for range cfg.Runs {
		f, err := startOnce(ctx, cfg.Function, functionEnv(e, policyPath), []byte(coldPayload))
		if err != nil {
			return nil, fmt.Errorf("function: %w", err)
		}
		h, err := startOnce(ctx, cfg.Hello, nil, []byte(`{"message":"hello"}`))
		if err != nil {
			return nil, fmt.Errorf("hello: %w", err)
		}
		fn, hello = append(fn, f), append(hello, h)
	}
	res.Function, res.Hello = medianTimes(fn), medianTimes(hello)
	for _, b := range []struct {
		path string
		into *StartTimes
	}{{cfg.Function, &res.Function}, {cfg.Hello, &res.Hello}} {
		st, err := os.Stat(b.path)
		if err != nil {
			return nil, err
		}
		b.into.Size = st.Size()
	}
	return res, nil
}

// startOnce starts binary, invokes payload at once and stops it.
func startOnce(ctx context.Context, binary string, env []string, payload []byte) (StartTimes, error) {
	in, err := startInstance(binary, env)
	if err != nil {
		return StartTimes{}, err
	}
	defer in.stop()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := in.invoke(ctx, payload, 30*time.Second)
	answered := time.Since(in.started)
	if err == nil && r.Error != nil {
		err = r.Error
	}
	if err != nil {
		return StartTimes{}, fmt.Errorf("first invocation: %w\n%s", err, in.proc.Stderr())
	}
	return StartTimes{Answered: answered, Ready: answered - r.Duration, Peak: in.stop()}, nil
}

func medianTimes(ts []StartTimes) StartTimes {
	med := func(get func(StartTimes) time.Duration) time.Duration {
		ds := make([]time.Duration, len(ts))
		for i, t := range ts {
			ds[i] = get(t)
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	var peak int64
	for _, t := range ts {
		peak = max(peak, t.Peak)
	}
	return StartTimes{
		Answered: med(func(t StartTimes) time.Duration { return t.Answered }),
		Ready:    med(func(t StartTimes) time.Duration { return t.Ready }),
		Peak:     peak,
	}
}

// Rows reports the function beside hello.
func (r *ColdStartResult) Rows() []Row {
	return []Row{
		{
			Figure:    "cold start: process start → first invocation answered",
			Measured:  ms(r.Function.Answered),
			Reference: ms(r.Hello.Answered) + " (hello-world fc.Start)",
			Ratio:     ratio(float64(r.Function.Answered), float64(r.Hello.Answered)),
			Note:      fmt.Sprintf("median of %d starts each; the function's first event is a reconcile of an image already in line (2 ECS reads, 1 MNS send), hello's an echo", r.Runs),
		},
		{
			Figure:    "cold start: process start → first invocation taken",
			Measured:  ms(r.Function.Ready),
			Reference: ms(r.Hello.Ready) + " (hello-world fc.Start)",
			Ratio:     ratio(float64(r.Function.Ready), float64(r.Hello.Ready)),
			Note:      "start-up alone: configuration, policy load, runtime API poll",
		},
		{
			Figure:    "binary size",
			Measured:  mib(r.Function.Size),
			Reference: mib(r.Hello.Size) + " (hello-world fc.Start)",
			Ratio:     ratio(float64(r.Function.Size), float64(r.Hello.Size)),
			Note:      "go build, CGO_ENABLED=0, no -ldflags",
		},
	}
}
