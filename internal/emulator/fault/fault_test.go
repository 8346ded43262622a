package fault

import (
	"context"
	"slices"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

func TestDecideOrderAfterTimes(t *testing.T) {
	in := New(&world.World{Faults: []world.Fault{
		{API: "ModifyImageSharePermission", Code: "Throttling", Times: 2, After: 1, ImageID: "m-1"},
		{API: "*", Code: world.FaultReset, Times: 1, Apply: true, Queue: "q"},
	}})
	ctx := context.Background()
	modify := Call{API: "ModifyImageSharePermission", ImageID: "m-1", Throttle: "Throttling"}
	var kinds []Kind
	for range 4 {
		kinds = append(kinds, in.Decide(ctx, modify).Kind)
	}
	if want := []Kind{None, Error, Error, None}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	if d := in.Decide(ctx, Call{API: "ModifyImageSharePermission", ImageID: "m-2"}); d.Kind != None {
		t.Fatalf("other image got %+v", d)
	}
	if d := in.Decide(ctx, Call{API: "SendMessage", Queue: "q"}); d.Kind != Reset || !d.Apply {
		t.Fatalf("queue fault = %+v", d)
	}
	if got := in.Counts(); got["ModifyImageSharePermission"] != 5 || got["SendMessage"] != 1 {
		t.Fatalf("counts = %v", got)
	}
	in.ResetCounts()
	if got := in.Counts(); len(got) != 0 {
		t.Fatalf("counts after reset = %v", got)
	}
}

func TestRateLimitAnswersThrottle(t *testing.T) {
	in := New(&world.World{RateLimit: &world.RateLimit{CallsPerSecond: 0.001, Burst: 2, APIs: []string{"DescribeImages"}}})
	ctx := context.Background()
	c := Call{API: "DescribeImages", Throttle: "Throttling"}
	got := []Decision{in.Decide(ctx, c), in.Decide(ctx, c), in.Decide(ctx, c)}
	if got[0].Kind != None || got[1].Kind != None || got[2].Kind != Error || got[2].Code != "Throttling" {
		t.Fatalf("decisions = %+v", got)
	}
	if d := in.Decide(ctx, Call{API: "ModifyImageSharePermission"}); d.Kind != None {
		t.Fatalf("unlimited API throttled: %+v", d)
	}
}

func TestRateLimitDefaultsToECS(t *testing.T) {
	in := New(&world.World{RateLimit: &world.RateLimit{CallsPerSecond: 0.001, Burst: 1}})
	ctx := context.Background()
	for range 3 {
		if d := in.Decide(ctx, Call{API: "SendMessage", Throttle: "QpsLimitExceeded"}); d.Kind != None {
			t.Fatalf("MNS call limited by default: %+v", d)
		}
	}
	in.Decide(ctx, Call{API: "DescribeImages", Throttle: "Throttling"})
	if d := in.Decide(ctx, Call{API: "DescribeImages", Throttle: "Throttling"}); d.Code != "Throttling" {
		t.Fatalf("ECS call not limited: %+v", d)
	}
}
