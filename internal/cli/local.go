package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/boundedread"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/internal/progress"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/trigger"
)

// The embedded demo, relative to the Files root.
const (
	demoPolicyPath = "testdata/demo/policy.yaml"
	demoEventsDir  = "testdata/demo/events"
)

// maxDeliveries bounds the work-queue loop, so a request that defers itself
// forever cannot keep local running.
const maxDeliveries = 10000

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runLocal runs the function in-process against the embedded emulator: it
// delivers each event, then keeps delivering the emulated work queue the way
// the EventBridge MNS trigger does, fast-forwarding the emulator's clock over
// delays, until the queue is empty. Every outcome published goes to stdout as
// one JSON object per line; a readable summary and the logs go to stderr.
func runLocal(ctx context.Context, args []string, env Env) int {
	fl := flag.NewFlagSet("local", flag.ContinueOnError)
	worldPath := fl.String("world", "", "world file (default: the embedded demo world)")
	policyPath := fl.String("policy", "", "policy file (default: the embedded demo policy)")
	var events stringList
	fl.Var(&events, "event", "event payload file, repeatable (default: the embedded demo events, in name order)")
	outcomeQueue := fl.String("outcome-queue", "image-share-outcomes", "the world's queue that receives outcomes")
	workQueue := fl.String("work-queue", "image-share-work", "the world's queue for deferrals and fan-out")
	deadLetterQueue := fl.String("dead-letter-queue", "image-share-dlq", "the world's queue for work-queue batches the EventBridge source gave up on (dropped when the world has none)")
	logLevel := fl.String("log-level", "WARN", "log level of the function's JSON logs on stderr")
	if err := parseFlags(fl, args, env.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 2
	}
	in, err := loadLocalInputs(env, *worldPath, *policyPath, events)
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	w := in.world
	// The world's credentials are the function's here: whatever quotes them
	// is scrubbed on the way to the terminal, as under Function Compute.
	scrub := redact.New(w.Credentials.AccessKeySecret, w.Credentials.SecurityToken)
	env.Stdout, env.Stderr = scrub.Writer(env.Stdout), scrub.Writer(env.Stderr)
	for _, q := range []string{*outcomeQueue, *workQueue} {
		if !slices.ContainsFunc(w.Queues, func(wq world.Queue) bool { return wq.Name == q }) {
			fmt.Fprintf(env.Stderr, "local: the world declares no queue %q (see --outcome-queue, --work-queue)\n", q)
			return 1
		}
	}

	emu := emulator.New(w, emulator.Options{})
	srv, err := emulator.Listen(emu, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	// A key for this run only: local is one process, so every deferral it
	// seals comes back to it; nothing is kept.
	var keyBytes [32]byte
	_, _ = rand.Read(keyBytes[:]) // crypto/rand.Read never fails (Go 1.24+)
	requestKey := base64.StdEncoding.EncodeToString(keyBytes[:])
	cfg, err := handler.ConfigFromEnv(mapEnv(map[string]string{
		"OUTCOME_QUEUE": *outcomeQueue,
		"WORK_QUEUE":    *workQueue,
		"REQUEST_KEY":   requestKey,
		"MNS_ENDPOINT":  srv.URL(),
		"ECS_ENDPOINT":  srv.URL(),
		"RM_ENDPOINT":   srv.URL(),
		"LOG_LEVEL":     *logLevel,
		// Time is emulated and fast-forwarded here: pacing ECS calls in
		// real time would only make a run of thousands of events take
		// minutes. A world's rateLimit still throttles, and the engine's
		// retries wait in emulated time.
		"ECS_CALLS_PER_SECOND": "1000000",
	}))
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 2
	}
	// What the function will log once it reads the queue, said up front:
	// a world whose work queue cannot hold a message long enough makes a
	// run that is hard to read otherwise.
	for _, q := range w.Queues {
		if q.Name != *workQueue {
			continue
		}
		if c := handler.CheckWorkQueue(q.VisibilityTimeout.D(), cfg.WaitReady); c.Problem != "" {
			what := "note"
			if c.Broken {
				what = "warning"
			}
			fmt.Fprintf(env.Stderr, "local: %s: world queue %q (visibilityTimeout %s): %s\n", what, q.Name, q.VisibilityTimeout.D(), c.Problem)
		}
	}
	logger := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	h := handler.New(cfg, handler.Deps{
		Policy: in.policy,
		Clock:  emu.Clock,
		// Waiting is fast-forwarded: the emulated clock moves, real time does not.
		Sleep:  func(ctx context.Context, d time.Duration) error { emu.Advance(d); return ctx.Err() },
		Logger: logger,
	})
	inv := handler.Invocation{
		AccountID:   w.Owner,
		Region:      w.Region,
		Credentials: handler.Credentials(w.Credentials),
	}

	run := &localRun{
		env: env, emu: emu, h: h, inv: inv, outcomeQueue: *outcomeQueue,
		decode:  trigger.Options{Base64Body: cfg.Base64Body, TopicStream: cfg.TopicStream},
		sources: map[string]string{},
		// Progress on a terminal only: one step per event file and per
		// work-queue delivery (the deliveries' number is not known ahead).
		bar: progress.New(env.Stderr, env.StderrTerminal, len(in.events), "events"),
	}
	interrupted := func() int {
		run.bar.Finish()
		fmt.Fprintf(env.Stderr, "local: interrupted (%v): stopped after %d invocations; the outcomes so far are above\n", context.Cause(ctx), run.invocations)
		run.summary()
		return 130 // as a shell reports a command ended by SIGINT
	}
	for _, ev := range in.events {
		if ctx.Err() != nil {
			return interrupted()
		}
		run.event(ctx, ev)
	}

	// The work queue, delivered as the EventBridge MNS source does.
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region,
		AccessKeyID: w.Credentials.AccessKeyID, AccessKeySecret: w.Credentials.AccessKeySecret, SecurityToken: w.Credentials.SecurityToken})
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	// Configured as s.yaml configures the work-queue trigger: BACKOFF_RETRY,
	// errorsTolerance ALL, the dead-letter queue.
	src := &eventbridge.MNSSource{Queue: ali_mns.NewMNSQueue(*workQueue, mc), QueueName: *workQueue, AccountID: w.Owner, Region: w.Region,
		BatchSize: 10, RetryStrategy: eventbridge.BackoffRetry, ErrorsTolerance: eventbridge.ToleranceAll}
	if slices.ContainsFunc(w.Queues, func(wq world.Queue) bool { return wq.Name == *deadLetterQueue }) {
		src.DeadLetter = ali_mns.NewMNSQueue(*deadLetterQueue, mc)
	}
	// Waits between retries are fast-forwarded, as every other wait here.
	advance := func(_ context.Context, d time.Duration) error { emu.Advance(d); return nil }
	run.bar.Describe("work queue")
	for range maxDeliveries {
		if ctx.Err() != nil {
			return interrupted()
		}
		run.bar.AddMax(1)
		d, err := src.Deliver(ctx, func(p []byte) error { return run.delivery(ctx, *workQueue, p) }, advance)
		if ctx.Err() != nil {
			return interrupted()
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "local: deliver from %s: %v\n", *workQueue, err)
			return 1
		}
		if d == nil {
			run.bar.AddMax(-1)
			next, ok := emu.MNS.NextVisible(*workQueue)
			if !ok {
				break
			}
			emu.Advance(max(next.Sub(emu.Clock.Now()), time.Millisecond))
			continue
		}
		switch {
		case d.DeadLettered:
			run.stderrf("local: a batch of %d messages failed %d times: EventBridge put it on %s\n", d.Count, d.Attempts, *deadLetterQueue)
		case d.Dropped:
			run.stderrf("local: a batch of %d messages failed %d times: EventBridge dropped it (no queue %s in the world)\n", d.Count, d.Attempts, *deadLetterQueue)
		}
	}
	run.bar.Finish()
	run.summary()
	return 0
}

// localRun delivers events to the handler and streams every outcome to
// stdout as soon as it is published, remembering which event file each
// outcome came from for the summary.
type localRun struct {
	env          Env
	emu          *emulator.Emulator
	h            *handler.Handler
	inv          handler.Invocation
	outcomeQueue string
	decode       trigger.Options
	bar          *progress.Bar

	invocations int
	printed     int               // outcome-queue messages already streamed
	sources     map[string]string // source id of an event's item → its file
	outs        []localOutcome
}

// localOutcome is an outcome and the event file it came from.
type localOutcome struct {
	outcome.Outcome
	from string
}

// event delivers one event file; its outcomes come from that file.
func (r *localRun) event(ctx context.Context, ev localEvent) {
	for _, it := range trigger.Decode(ev.payload, r.decode) {
		r.sources[it.SourceID] = ev.name
	}
	r.invoke(ctx, ev.name, ev.payload, func(outcome.Outcome) string { return ev.name })
	r.bar.Add(1)
}

// delivery delivers one work-queue batch. Its requests were queued by a
// deferral or a sweep's fan-out and carry the source id of the event that
// started their chain (origin), from which their outcome ids derive.
func (r *localRun) delivery(ctx context.Context, queue string, payload []byte) error {
	from := map[string]string{} // outcome id → event file
	for _, it := range trigger.Decode(payload, r.decode) {
		if it.Request == nil {
			continue
		}
		origin := it.Request.Origin
		if origin == "" {
			origin = it.SourceID
		}
		file, ok := r.sources[origin]
		if !ok {
			continue
		}
		for _, id := range it.Request.ImageIDs {
			from[outcome.ID(origin, id, max(it.Request.Attempt, 1))] = file
		}
	}
	err := r.invoke(ctx, queue, payload, func(o outcome.Outcome) string {
		if f, ok := from[o.OutcomeID]; ok {
			return f
		}
		return queue
	})
	r.bar.Add(1)
	return err
}

// invoke runs the handler on one payload, then streams the outcomes it
// published; from names each one's event file.
func (r *localRun) invoke(ctx context.Context, name string, payload []byte, from func(outcome.Outcome) string) error {
	r.invocations++
	r.inv.RequestID = fmt.Sprintf("local-%04d", r.invocations)
	_, err := r.h.Handle(ctx, r.inv, payload)
	if err != nil && ctx.Err() == nil {
		r.stderrf("local: invocation %s (%s) failed: %v\n", r.inv.RequestID, name, err)
	}
	msgs := r.emu.MNS.Messages(r.outcomeQueue)
	for _, m := range msgs[min(r.printed, len(msgs)):] {
		_ = r.bar.Print(r.env.Stdout, m.Body+"\n")
		var o outcome.Outcome
		if json.Unmarshal([]byte(m.Body), &o) == nil {
			r.outs = append(r.outs, localOutcome{o, from(o)})
		}
	}
	r.printed = len(msgs)
	return err
}

// stderrf writes a line to stderr with the progress bar out of the way.
func (r *localRun) stderrf(format string, a ...any) {
	_ = r.bar.Print(r.env.Stderr, fmt.Sprintf(format, a...))
}

func (r *localRun) summary() {
	printSummary(r.env.Stderr, r.outs, r.invocations, r.emu)
}

type localEvent struct {
	name    string
	payload []byte
}

type localInputs struct {
	world  *world.World
	policy *policy.Policy
	events []localEvent
}

// loadLocalInputs reads the world, policy and events: all from the user's
// files, or all from the embedded demo when no file is given. Never a mix:
// the demo policy run against a user's world removed shares (a protected
// account included) from images the user never wrote a rule for, and demo
// events name images the user's world does not have.
func loadLocalInputs(env Env, worldPath, policyPath string, events []string) (*localInputs, error) {
	given := map[string]bool{"--world": worldPath != "", "--policy": policyPath != "", "--event": len(events) > 0}
	if given["--world"] || given["--policy"] || given["--event"] {
		var missing, have []string
		for _, f := range []string{"--world", "--policy", "--event"} {
			if given[f] {
				have = append(have, f)
			} else {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s given, so the embedded demo's files are not used: also give %s (or none of the three, for the demo)",
				strings.Join(have, " and "), strings.Join(missing, " and "))
		}
	}
	w, err := loadWorld(worldPath, env)
	if err != nil {
		return nil, err
	}
	in := &localInputs{world: w}
	if policyPath != "" {
		in.policy, err = policy.Load(policyPath)
	} else {
		var data []byte
		if data, err = fs.ReadFile(env.Files, demoPolicyPath); err == nil {
			in.policy, err = policy.Parse(demoPolicyPath, data)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		for _, f := range events {
			// At most what Function Compute delivers in one invocation: a
			// larger file (or /dev/zero) could never be one event.
			data, err := boundedread.File(f, trigger.MaxPayload)
			if err != nil {
				return nil, err
			}
			in.events = append(in.events, localEvent{f, data})
		}
		return in, nil
	}
	entries, err := fs.ReadDir(env.Files, demoEventsDir)
	if err != nil {
		return nil, fmt.Errorf("embedded demo events: %w", err)
	}
	for _, e := range entries { // ReadDir sorts by name
		p := path.Join(demoEventsDir, e.Name())
		data, err := fs.ReadFile(env.Files, p)
		if err != nil {
			return nil, err
		}
		in.events = append(in.events, localEvent{p, data})
	}
	if len(in.events) == 0 {
		return nil, errors.New("no events to deliver")
	}
	return in, nil
}

// mapEnv is a getenv over a map.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// printSummary writes a readable account of the run: per outcome its
// status, what changed, why it failed (the error's code and message) and the
// event file it came from.
func printSummary(w io.Writer, outs []localOutcome, invocations int, emu *emulator.Emulator) {
	fmt.Fprintf(w, "\n%d invocations, %d outcomes, emulated time %s\n", invocations, len(outs), emu.Clock.Now().Sub(emu.World.StartTime).Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tACTION\tIMAGE\tTRIGGER\tADDED\tREMOVED\tFROM\tFAILURES / ERROR")
	for _, o := range outs {
		var notes []string
		if o.Error != nil {
			notes = append(notes, fmt.Sprintf("error %s: %s", o.Error.Code, oneLine(o.Error.Message, 120)))
		}
		notes = append(notes, failureNotes(o.Failures)...)
		if len(o.Counts) > 0 {
			notes = append(notes, countsText(o.Counts))
		}
		if o.Action == outcome.ActionCopy {
			notes = append(notes, "copy of "+o.SourceImageID+" in "+o.RegionID)
		}
		for _, c := range o.Copies {
			notes = append(notes, fmt.Sprintf("copy in %s %s", c.RegionID, c.Status))
		}
		image := o.ImageID
		if image == "" {
			image = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", o.Status, o.Action, image, o.Trigger.Type, len(o.Added), len(o.Removed), path.Base(o.from), strings.Join(notes, "; "))
	}
	_ = tw.Flush()
	c := emu.Faults.Counts()
	fmt.Fprintf(w, "ECS calls: DescribeImages %d, DescribeImageSharePermission %d, ModifyImageSharePermission %d, CopyImage %d\n",
		c["DescribeImages"], c["DescribeImageSharePermission"], c["ModifyImageSharePermission"], c["CopyImage"])
	if n, m := c["ListAccountsForParent"], c["ListFoldersForParent"]; n+m > 0 {
		fmt.Fprintf(w, "ResourceManager calls: ListAccountsForParent %d, ListFoldersForParent %d\n", n, m)
	}
}

// oneLine keeps a message on one table row, at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// failureNotes summarises failures: each code once, with its accounts, or
// their number when there are many.
func failureNotes(fs []*outcome.Error) []string {
	var codes []outcome.Code
	accounts := map[outcome.Code][]string{}
	for _, f := range fs {
		if _, seen := accounts[f.Code]; !seen {
			codes = append(codes, f.Code)
		}
		accounts[f.Code] = append(accounts[f.Code], f.Account)
	}
	notes := make([]string, 0, len(codes))
	for _, c := range codes {
		as := slices.DeleteFunc(accounts[c], func(a string) bool { return a == "" })
		switch {
		case len(as) == 0:
			notes = append(notes, string(c))
		case len(as) <= 3:
			notes = append(notes, fmt.Sprintf("%s %s", c, strings.Join(as, " ")))
		default:
			notes = append(notes, fmt.Sprintf("%s x%d accounts", c, len(as)))
		}
	}
	return notes
}

// countsText writes a sweep's counts for a person: "5 images: 2 succeeded,
// 1 unchanged, 1 notReady, 1 refused", in outcome.CountKeys order after the
// total, zero counts left out.
func countsText(counts map[string]int) string {
	var parts []string
	for _, k := range outcome.CountKeys {
		if n := counts[k]; n > 0 && k != outcome.CountImages {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	s := plural(counts[outcome.CountImages], "image")
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}
