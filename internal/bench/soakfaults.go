package bench

import (
	"math/rand/v2"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// faultPlan draws the faults the soak injects, step by step, from its seed.
// Each fault is added with a small After, so it strikes one of the next few
// matching calls, wherever the run is.
type faultPlan struct {
	rnd   *rand.Rand
	rate  float64
	added map[string]int // "api code" → faults added
}

// ecsFaults are drawn with these weights: mostly throttling, then 5xx, then
// resets (half of them after the call took effect).
var ecsFaults = []struct {
	code   string
	weight int
}{{"Throttling", 6}, {"InternalError", 2}, {"ServiceUnavailable", 2}, {world.FaultReset, 2}}

// next returns the faults to add before one step.
func (p *faultPlan) next() []world.Fault {
	var fs []world.Fault
	apis := []string{describeImgAPI, describeShareAPI, modifyAPI}
	if p.rnd.Float64() < 0.25*p.rate {
		code := weighted(p.rnd, ecsFaults)
		fs = append(fs, world.Fault{API: apis[p.rnd.IntN(3)], Code: code, After: p.rnd.IntN(8), Apply: p.rnd.IntN(2) == 0})
	}
	if p.rnd.Float64() < 0.004*p.rate { // a call the client waits out: ten seconds each
		fs = append(fs, world.Fault{API: apis[p.rnd.IntN(3)], Code: world.FaultTimeout, After: p.rnd.IntN(8), Apply: p.rnd.IntN(2) == 0})
	}
	if p.rnd.Float64() < 0.05*p.rate { // retryable MNS failures: the publisher retries them
		switch p.rnd.IntN(5) {
		case 0:
			fs = append(fs, world.Fault{API: "SendMessage", Queue: outcomeQueue, Code: "InternalError", After: p.rnd.IntN(4)})
		case 1:
			fs = append(fs, world.Fault{API: "SendMessage", Queue: outcomeQueue, Code: world.FaultReset, Apply: true, After: p.rnd.IntN(4)})
		case 2:
			fs = append(fs, world.Fault{API: "SendMessage", Queue: workQueue, Code: "InternalError", After: p.rnd.IntN(2)})
		case 3:
			fs = append(fs, world.Fault{API: "SendMessage", Queue: workQueue, Code: world.FaultReset, Apply: true, After: p.rnd.IntN(2)})
		default:
			fs = append(fs, world.Fault{API: "PublishMessage", Topic: outcomeTopic, Code: "ServiceUnavailable", After: p.rnd.IntN(4)})
		}
	}
	if p.rnd.Float64() < 0.02*p.rate { // retryable ledger failures: the OSS SDK retries them
		api := []string{"PutObject", "HeadObject", "DeleteObject"}[p.rnd.IntN(3)]
		code := []string{"ServiceUnavailable", "InternalError"}[p.rnd.IntN(2)]
		fs = append(fs, world.Fault{API: api, Bucket: ledgerBucket, Code: code, After: p.rnd.IntN(4)})
	}
	if p.rnd.Float64() < 0.01*p.rate { // a publish that fails for good: the invocation fails and is delivered again
		if p.rnd.IntN(2) == 0 {
			fs = append(fs, world.Fault{API: "SendMessage", Queue: outcomeQueue, Code: "AccessDenied", After: p.rnd.IntN(4)})
		} else {
			fs = append(fs, world.Fault{API: "PublishMessage", Topic: outcomeTopic, Code: "AccessDenied", After: p.rnd.IntN(4)})
		}
	}
	for _, f := range fs {
		p.added[f.API+" "+f.Code]++
	}
	return fs
}

func weighted(rnd *rand.Rand, choices []struct {
	code   string
	weight int
}) string {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := rnd.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			return c.code
		}
		n -= c.weight
	}
	return choices[len(choices)-1].code
}
