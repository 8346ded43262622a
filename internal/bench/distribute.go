package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/policy"
)

// DistributeConfig sizes the distribution measurement.
type DistributeConfig struct {
	Regions   []string      // copyTo regions (default cn-shanghai, cn-beijing, ap-southeast-1)
	Accounts  int           // accounts every image is shared with (default 50)
	CopyTakes time.Duration // how long a copy stays Creating (default 5m, the emulator's)
}

// DistributeResult is what distributing one image cost.
type DistributeResult struct {
	Config DistributeConfig
	// Calls are the ECS calls per API, from the first event until every
	// copy (and the source) was shared with every account.
	Calls map[string]int
	// MinCopies is one CopyImage per region; MinModify the share minimum:
	// ceil(Accounts/10) per image, the source and each copy.
	MinCopies, MinModify int
	// Emulated is the emulated time from the event until the last copy was
	// shared; MinEmulated is len(Regions) × CopyTakes, since ECS copies one
	// image at a time.
	Emulated, MinEmulated time.Duration
	Invocations           int
	Copies                int // copies found at the end, by provenance tag
	NotShared             int // (image, account) pairs not shared at the end
}

// Distribute runs the function in-process on the emulator: one new image,
// a policy that copies it to cfg.Regions and shares it and its copies with
// cfg.Accounts accounts; the event, then the work queue delivered as the
// EventBridge MNS source does, the emulated clock moved over the delays.
func Distribute(ctx context.Context, cfg DistributeConfig) (*DistributeResult, error) {
	if len(cfg.Regions) == 0 {
		cfg.Regions = []string{"cn-shanghai", "cn-beijing", "ap-southeast-1"}
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = 50
	}
	if cfg.CopyTakes <= 0 {
		cfg.CopyTakes = world.DefaultCopyTakes.D()
	}
	want := accounts(2, 1, cfg.Accounts+1)
	w := newWorld(want, world.Queue{Name: "work", VisibilityTimeout: world.Duration(660 * time.Second)}, world.Queue{Name: "outcomes"})
	w.Regions = append([]string{region}, cfg.Regions...)
	w.CopyTakes = world.Duration(cfg.CopyTakes)
	w.Images = []world.Image{{ID: "m-dist", Name: "dist", Region: region, Owner: owner, Status: "Available",
		Encryption: "none", Tags: map[string]string{"distribute": "yes"}}}
	e, err := startEmu(w, emulator.Options{})
	if err != nil {
		return nil, err
	}
	defer e.Close()

	pol, err := policy.Parse("distribute.yaml", []byte(fmt.Sprintf(
		"version: 1\ngroups:\n  all: [%s]\nrules:\n  - name: distribute\n    match: {tags: {distribute: \"yes\"}}\n    shareWith: [all]\n    copyTo: [%s]\n",
		`"`+strings.Join(want, `", "`)+`"`, strings.Join(cfg.Regions, ", "))))
	if err != nil {
		return nil, err
	}
	hcfg, err := handler.ConfigFromEnv(func(k string) string {
		return map[string]string{"OUTCOME_QUEUE": "outcomes", "WORK_QUEUE": "work", "MNS_ENDPOINT": e.url, "ECS_ENDPOINT": e.url,
			"ECS_CALLS_PER_SECOND": "100000",
			// Seals the copies' deferrals: without a key nothing is deferred.
			"REQUEST_KEY": "bench-request-key-0123456789abcdef-0123"}[k]
	})
	if err != nil {
		return nil, err
	}
	h := handler.New(hcfg, handler.Deps{Policy: pol, Clock: e.Clock, Logger: discardLogger(),
		Sleep: func(ctx context.Context, d time.Duration) error { e.Advance(d); return ctx.Err() }})
	inv := handler.Invocation{RequestID: "bench", AccountID: owner, Region: region,
		Credentials: handler.Credentials{AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken}}
	mc, err := e.mnsClient()
	if err != nil {
		return nil, err
	}
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue("work", mc), QueueName: "work", AccountID: owner, Region: region}

	res := &DistributeResult{Config: cfg, MinCopies: len(cfg.Regions), MinModify: ceilDiv(cfg.Accounts, 10) * (len(cfg.Regions) + 1),
		MinEmulated: time.Duration(len(cfg.Regions)) * cfg.CopyTakes}
	start := e.Clock.Now()
	invoke := func(payload []byte) {
		res.Invocations++
		_, _ = h.Handle(ctx, inv, payload)
	}
	invoke([]byte(`{"action":"reconcile","regionId":"` + region + `","imageId":"m-dist"}`))
	for range 500 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if res.done(e, want) {
			res.Emulated = e.Clock.Now().Sub(start)
			break
		}
		b, err := src.Receive()
		if err != nil {
			return nil, err
		}
		if b == nil {
			next, ok := e.MNS.NextVisible("work")
			if !ok {
				break
			}
			e.Advance(max(next.Sub(e.Clock.Now()), time.Millisecond))
			continue
		}
		invoke(b.Payload)
		_ = src.Ack(b)
	}
	res.Calls = e.Faults.Counts()
	res.NotShared = res.notShared(e, want)
	if res.Emulated == 0 {
		return res, fmt.Errorf("not every copy was shared: %d copies, %d (image, account) pairs missing", res.Copies, res.NotShared)
	}
	return res, nil
}

// images are the source and the copies found by their provenance tag.
func (r *DistributeResult) images(e *emu) []string {
	ids := []string{"m-dist"}
	for _, reg := range r.Config.Regions {
		for _, im := range e.ECS.Images(reg) {
			if im.Tags[engine.CopyTagKey] == engine.CopyTagValue(region, "m-dist") {
				ids = append(ids, im.ID)
			}
		}
	}
	r.Copies = len(ids) - 1
	return ids
}

func (r *DistributeResult) notShared(e *emu, want []string) int {
	missing := (len(r.Config.Regions) - r.Copies) * len(want)
	for _, id := range r.images(e) {
		for _, a := range want {
			if !slices.Contains(e.ECS.SharedWith(id), a) {
				missing++
			}
		}
	}
	return missing
}

func (r *DistributeResult) done(e *emu, want []string) bool {
	return r.notShared(e, want) == 0
}

// Rows reports the calls and the emulated time against their minimum.
func (r *DistributeResult) Rows() []Row {
	total := 0
	for _, n := range r.Calls {
		total += n
	}
	ecsTotal := r.Calls["CopyImage"] + r.Calls[modifyAPI] + r.Calls[describeImgAPI] + r.Calls[describeShareAPI]
	what := fmt.Sprintf("one image to %d regions, %d accounts in each", len(r.Config.Regions), r.Config.Accounts)
	return []Row{
		{
			Figure:    what + ": CopyImage calls",
			Measured:  fmt.Sprint(r.Calls["CopyImage"]),
			Reference: fmt.Sprintf("%d (one per region)", r.MinCopies),
			Ratio:     ratio(float64(r.Calls["CopyImage"]), float64(r.MinCopies)),
			Note:      fmt.Sprintf("%d copies at the end; ECS copies one image at a time, so a copy refused as in progress is not sent", r.Copies),
		},
		{
			Figure:    what + ": ModifyImageSharePermission calls",
			Measured:  fmt.Sprint(r.Calls[modifyAPI]),
			Reference: fmt.Sprintf("%d = ceil(%d/10) × %d images", r.MinModify, r.Config.Accounts, len(r.Config.Regions)+1),
			Ratio:     ratio(float64(r.Calls[modifyAPI]), float64(r.MinModify)),
			Note:      fmt.Sprintf("%d (image, account) pairs not shared at the end", r.NotShared),
		},
		{
			Figure:    what + ": all ECS calls",
			Measured:  fmt.Sprint(ecsTotal),
			Reference: fmt.Sprintf("%d writes (copies + shares)", r.MinCopies+r.MinModify),
			Ratio:     ratio(float64(ecsTotal), float64(r.MinCopies+r.MinModify)),
			Note: fmt.Sprintf("%d DescribeImages, %d DescribeImageSharePermission: looking copies up before copying, waiting for them, verifying; %d invocations",
				r.Calls[describeImgAPI], r.Calls[describeShareAPI], r.Invocations),
		},
		{
			Figure:    what + ": emulated time until every copy is shared",
			Measured:  r.Emulated.String(),
			Reference: fmt.Sprintf("%s = %d × %s (copies one at a time)", r.MinEmulated, len(r.Config.Regions), r.Config.CopyTakes),
			Ratio:     ratio(float64(r.Emulated), float64(r.MinEmulated)),
			Note:      "deferral delays (60 s doubling) decide when a finished copy is seen",
		},
	}
}
