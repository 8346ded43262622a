package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// workload is one image's starting share list and wanted list.
type workload struct {
	shared, desired []string
}

var (
	// cleanMix: shares and swaps of every size, every account exists.
	cleanMix = []workload{
		{nil, accts(1, 2)},
		{nil, accts(1, 11)},
		{nil, accts(1, 12)},
		{nil, accts(1, 24)},
		{nil, accts(1, 51)},
		{accts(1, 31), accts(11, 56)},
		{accts(1, 51), accts(16, 66)},
		{accts(1, 31), slices.Concat(accts(24, 31), accts(100, 103))},
	}
	// badAccountMix adds one unknown account to a 10-account share.
	badAccountMix = []workload{{nil, append(accts(1, 10), unknown)}}
)

// BenchmarkModifyCallsPerImage reports ModifyImageSharePermission calls per
// image against the minimum the API allows, ceil(max(adds, removes)/10).
func BenchmarkModifyCallsPerImage(b *testing.B) {
	for _, mix := range []struct {
		name string
		w    []workload
	}{{"clean", cleanMix}, {"one-unknown-account", badAccountMix}} {
		b.Run(mix.name, func(b *testing.B) {
			e := newEnv(b)
			var calls, minimum, images int
			for i := 0; i < b.N; i++ {
				w := mix.w[i%len(mix.w)]
				e.svc.PutImage(world.Image{ID: "m-bench", SharedWith: w.shared})
				before := e.modifyCalls()
				res := e.run("m-bench", Intent{Desired: w.desired, Prune: true, MaxRemovals: -1})
				calls += e.modifyCalls() - before
				minimum += len(res.Plan.Batches)
				images++
			}
			b.ReportMetric(float64(calls)/float64(images), "calls/image")
			b.ReportMetric(float64(minimum)/float64(images), "min-calls/image")
		})
	}
}

// BenchmarkShare50Latency20ms shares one image with 50 accounts when every
// emulated call takes 20ms, and reports the time against (minimum Modify
// calls + 2 Describe calls) × 20ms. The engine makes one more call than that
// bound, the verification read, so the floor of the ratio is 8/7.
func BenchmarkShare50Latency20ms(b *testing.B) {
	const latency = 20 * time.Millisecond
	e := newEnv(b)
	e.inj.SetLatency("*", latency)
	desired := accts(1, 51)
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		e.svc.PutImage(world.Image{ID: "m-bench"})
		start := time.Now()
		res := e.run("m-bench", Intent{Desired: desired})
		elapsed += time.Since(start)
		if len(res.Added) != 50 {
			b.Fatalf("added %d", len(res.Added))
		}
	}
	bound := time.Duration(5+2) * latency
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(bound), "ratio-to-(min+2)x20ms")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/image")
}
