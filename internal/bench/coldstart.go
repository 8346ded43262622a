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
	// Runs is how many starts of each binary and event are timed; medians
	// are reported. Default 101: a start takes a few ms, and on a shared
	// two-core machine ratios of medians of 31 still moved by ±0.07
	// between runs of the same binaries (of 11, by ±0.15).
	Runs int
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
	Runs int
	// Function's first event is a reconcile (real work); Ignored's an
	// ActionTrail record the function ignores (start-up and the answer
	// alone); Hello's an echo.
	Function, Ignored, Hello StartTimes
	Payload                  string
}

// coldIgnored is an ActionTrail record of an API the function does not act
// on: it must answer it having done nothing else.
const coldIgnored = `{"id":"cold-ignored","source":"acs.ecs","specversion":"1.0","type":"ecs:ActionTrail:ApiCall",` +
	`"subject":"acs:ecs:cn-hangzhou:1000000000000001:disk/d-cold","time":"2026-01-01T00:00:00Z",` +
	`"aliyunaccountid":"1000000000000001","aliyunregionid":"cn-hangzhou",` +
	`"data":{"eventId":"COLD-IGNORED","eventName":"DeleteDisk","eventType":"ApiCall","serviceName":"Ecs",` +
	`"acsRegion":"cn-hangzhou","eventTime":"2026-01-01T00:00:00Z","requestParameters":{"DiskId":"d-cold"}}}`

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
		cfg.Runs = 101
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
	// Alternating, so that whatever else the machine does falls on both
	// binaries alike: function (ignored event), hello, function (reconcile),
	// hello.
	var fn, ignored, hello []StartTimes
	// The first round warms the page cache for both binaries and is not
	// counted: the function's binary is the larger, and its first start
	// would otherwise be the only one to read it from disk.
	for round := range cfg.Runs + 1 {
		for _, step := range []struct {
			name, binary string
			env          []string
			payload      string
			into         *[]StartTimes
		}{
			{"function, ignored event", cfg.Function, functionEnv(e, policyPath), coldIgnored, &ignored},
			{"hello", cfg.Hello, nil, `{"message":"hello"}`, &hello},
			{"function, reconcile", cfg.Function, functionEnv(e, policyPath), coldPayload, &fn},
			{"hello", cfg.Hello, nil, `{"message":"hello"}`, &hello},
		} {
			st, err := startOnce(ctx, step.binary, step.env, []byte(step.payload))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", step.name, err)
			}
			if round > 0 {
				*step.into = append(*step.into, st)
			}
		}
	}
	res.Function, res.Ignored, res.Hello = medianTimes(fn), medianTimes(ignored), medianTimes(hello)
	for _, b := range []struct {
		path string
		into *StartTimes
	}{{cfg.Function, &res.Function}, {cfg.Function, &res.Ignored}, {cfg.Hello, &res.Hello}} {
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
	target := func(measured, ref time.Duration) string {
		if float64(measured) <= 1.3*float64(ref) {
			return "≤ 1.30: met"
		}
		return "≤ 1.30: MISSED"
	}
	return []Row{
		{
			Figure:    "cold start: process start → an ignored event answered",
			Measured:  ms(r.Ignored.Answered),
			Reference: ms(r.Hello.Answered) + " (hello-world fc.Start, echo answered)",
			Ratio:     ratio(float64(r.Ignored.Answered), float64(r.Hello.Answered)),
			Target:    target(r.Ignored.Answered, r.Hello.Answered),
			Note:      fmt.Sprintf("median of %d starts each, alternating; the event is an ActionTrail DeleteDisk record, which the function ignores", r.Runs),
		},
		{
			Figure:    "cold start: process start → first invocation taken, before a real reconcile",
			Measured:  ms(r.Function.Ready),
			Reference: ms(r.Hello.Ready) + " (hello-world fc.Start)",
			Ratio:     ratio(float64(r.Function.Ready), float64(r.Hello.Ready)),
			Target:    target(r.Function.Ready, r.Hello.Ready),
			Note:      "start-up alone (answered less the handling time the runtime measured): configuration, policy, runtime API poll",
		},
		{
			Figure:    "cold start: process start → first invocation answered, a real reconcile",
			Measured:  ms(r.Function.Answered),
			Reference: ms(r.Hello.Answered) + " (hello-world fc.Start, echo answered)",
			Ratio:     ratio(float64(r.Function.Answered), float64(r.Hello.Answered)),
			Note:      "a reconcile of an image already in line: 2 ECS reads and 1 MNS send, with the clients built on first use",
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
