package cli

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imageshare/ecs-image-share/directory"
	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/creds"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/progress"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/request"
)

// Output formats of plan and apply.
const (
	outputText     = "text"
	outputJSON     = "json"
	outputMarkdown = "markdown"
)

// runPlan is the plan command (apply false: observe and plan, change
// nothing) and the apply command (apply true: plan, show it, confirm on a
// terminal when shares would be removed, then make the changes). It reads
// the process environment; planCommand is the same with the environment
// passed in.
//
// Exit codes: 1 for any error, always with the reason on stderr; else 0,
// or with --detailed-exitcode 0 when nothing would change (or, with
// --baseline, when the policy change makes no difference) and 2 when
// something would (apply: was changed).
func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer, apply bool) int {
	return planWith(ctx, args, Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}, apply)
}

// planCommand adapts plan/apply to the command table's signature.
func planCommand(apply bool) func(context.Context, []string, Env) int {
	return func(ctx context.Context, args []string, env Env) int {
		if env.Getenv == nil {
			env.Getenv = os.Getenv
		}
		return planWith(ctx, args, env, apply)
	}
}

// planFlags are the plan and apply commands' flags.
type planFlags struct {
	policy, baseline, region, endpoint string
	rmEndpoint                         string
	images                             []string
	profile                            string
	keyID, keySecret, token            string
	prune                              *bool // nil: the policy decides
	timeout                            time.Duration
	output                             string
	detailed, yes                      bool
	concurrency                        int
	rate                               float64
}

func parsePlanFlags(name string, args []string, help io.Writer) (*planFlags, error) {
	f := &planFlags{}
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML or JSON); required")
	if name == "plan" {
		fl.StringVar(&f.baseline, "baseline", "", "the policy before the change: show only what --policy changes against it (accounts gained and lost)")
	}
	fl.StringVar(&f.region, "region", "", "one region to cover (default: every region the policy covers, see docs/cli.md)")
	fl.Func("image", "image id, repeatable; needs --region (default: every image the account owns in the regions)", func(s string) error {
		f.images = append(f.images, s)
		return nil
	})
	fl.StringVar(&f.endpoint, "ecs-endpoint", "", "ECS endpoint, e.g. http://127.0.0.1:8080 for the emulator (default: each region's public HTTPS endpoint)")
	fl.StringVar(&f.rmEndpoint, "rm-endpoint", "", "ResourceManager endpoint, for policies with Resource Directory groups (default: https://resourcemanager.aliyuncs.com)")
	fl.StringVar(&f.profile, "profile", "", "profile of the aliyun CLI config (or section of the credentials file) to use")
	// No default is ever a credential: --help prints defaults.
	fl.StringVar(&f.keyID, "access-key-id", "", "AccessKey id; overrides the credential chain (prefer a profile: a flag shows in the process list)")
	fl.StringVar(&f.keySecret, "access-key-secret", "", "AccessKey secret, with --access-key-id")
	fl.StringVar(&f.token, "security-token", "", "STS token, with --access-key-id")
	fl.BoolFunc("prune", "override the policy's prune (--prune or --prune=false)", func(s string) error {
		v, err := strconv.ParseBool(s)
		f.prune = &v
		return err
	})
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of each ECS call")
	fl.StringVar(&f.output, "output", outputText, "output format: text, json or markdown")
	fl.BoolVar(&f.detailed, "detailed-exitcode", false, "exit 0 when nothing would change, 2 when something would, 1 on error")
	if name == "apply" {
		fl.BoolVar(&f.yes, "yes", false, "do not ask for confirmation before removing shares")
	}
	fl.IntVar(&f.concurrency, "concurrency", 4, "images worked on at once (the function's SWEEP_CONCURRENCY)")
	fl.Float64Var(&f.rate, "rate", 20, "ECS calls per second per API, all images together (the function's ECS_CALLS_PER_SECOND)")
	if err := parseFlags(fl, args, help); err != nil {
		return nil, err
	}
	var errs []error
	if fl.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", fl.Args()))
	}
	if f.policy == "" {
		errs = append(errs, errors.New("--policy is required"))
	}
	if len(f.images) > 0 && f.region == "" {
		errs = append(errs, errors.New("--image needs --region: an image id names an image in one region"))
	}
	if !slices.Contains([]string{outputText, outputJSON, outputMarkdown}, f.output) {
		errs = append(errs, fmt.Errorf("--output %q: want text, json or markdown", f.output))
	}
	if f.concurrency < 1 || f.concurrency > 64 {
		errs = append(errs, fmt.Errorf("--concurrency %d: want 1 to 64", f.concurrency))
	}
	if f.rate <= 0 {
		errs = append(errs, fmt.Errorf("--rate %v: want a positive number", f.rate))
	}
	return f, errors.Join(errs...)
}

// planRun is one plan or apply invocation.
type planRun struct {
	name   string
	apply  bool
	f      *planFlags
	env    Env
	pol    *policy.Policy
	base   *policy.Policy
	cred   *creds.Credentials
	lim    engine.Limiter
	source string
	logger *slog.Logger
	// dir is the Resource Directory as read once for the run (nil when the
	// policy has no directory groups).
	dir policy.Directory
}

// target is one image in one region, in output order.
type target struct{ region, image string }

func planWith(ctx context.Context, args []string, env Env, apply bool) int {
	name := "plan"
	if apply {
		name = "apply"
	}
	// Every error is exit 1, as for Terraform: with --detailed-exitcode, 2
	// means "changes", so a usage error must not look like one.
	fail := func(format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "%s: %s\n", name, fmt.Sprintf(format, a...))
		return 1
	}
	f, err := parsePlanFlags(name, args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return fail("%v", err)
	}
	// Everything written from here on passes the credentials' scrubber: an
	// SDK error, a log line or an outcome that quotes a signed request loses
	// its token and signature on the way out (first the flags' values, then
	// whatever the chain found).
	scrub := redact.New(f.keySecret, f.token)
	env.Stdout, env.Stderr = scrub.Writer(env.Stdout), scrub.Writer(env.Stderr)
	// The function's budget: one bucket per ECS API, shared by all images.
	budget, err := engine.NewBudget(engine.BudgetConfig{Rate: f.rate})
	if err != nil {
		return fail("%v", err)
	}
	r := &planRun{name: name, apply: apply, f: f, env: env, lim: budget,
		// One source id per run: outcome ids of one run are distinct per
		// image, and a second run is a new event.
		source: "cli:" + time.Now().UTC().Format(time.RFC3339Nano),
	}
	if r.pol, err = loadPolicy(f.policy); err != nil {
		return fail("%v", err)
	}
	if f.baseline != "" {
		if r.base, err = loadPolicy(f.baseline); err != nil {
			return fail("--baseline: %v", err)
		}
	}
	r.cred, err = creds.Resolve(creds.Options{Getenv: env.Getenv, Profile: f.profile,
		AccessKeyID: f.keyID, AccessKeySecret: f.keySecret, SecurityToken: f.token})
	if err != nil {
		return fail("%v", err)
	}
	scrub = redact.New(r.cred.AccessKeySecret, r.cred.SecurityToken)
	env.Stdout, env.Stderr = scrub.Writer(env.Stdout), scrub.Writer(env.Stderr)
	r.env = env
	r.logger = slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(env.Stderr, "%s: credentials from %s\n", name, r.cred.Source)
	regions, why, err := r.regions()
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(env.Stderr, "%s: %s\n", name, why)
	if f.endpoint == "" {
		// Said before the first call, so that a run that was meant for the
		// emulator and lacks --ecs-endpoint is seen calling the real cloud.
		for _, reg := range regions {
			fmt.Fprintf(env.Stderr, "%s: no --ecs-endpoint: calling the real ECS endpoint https://ecs.%s.aliyuncs.com\n", name, reg)
		}
	}

	r.readDirectory(ctx)
	targets, problems := r.targets(ctx, regions)
	results := r.runAll(ctx, targets, true)
	rep := newReport(name, regions, results, r.source)
	if r.base != nil {
		rep.diff(results, r.base, r.dir, f.prune)
	}
	if !apply {
		rep.Copies = r.planCopies(ctx, results)
	}
	problems = append(problems, rep.problems()...)

	if apply {
		if code, done := r.confirm(rep, problems); done {
			return code
		}
		results = r.applyChanges(ctx, targets, results)
		rep = newReport(name, regions, results, r.source)
		problems = append(problems, rep.problems()...)
	}
	if err := rep.write(env.Stdout, f.output); err != nil {
		return fail("writing the output: %v", err)
	}
	if len(problems) > 0 {
		fmt.Fprintf(env.Stderr, "%s: exit 1: %d problem(s):\n", name, len(problems))
		for _, p := range problems {
			fmt.Fprintf(env.Stderr, "  %s\n", p)
		}
		return 1
	}
	if f.detailed && rep.changes() {
		return 2
	}
	return 0
}

// loadPolicy loads a policy; a validation error lists every problem, one a
// line, as validate prints them.
func loadPolicy(path string) (*policy.Policy, error) {
	p, err := policy.Load(path)
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d problem(s):", path, len(ve.Problems))
		for _, pr := range ve.Problems {
			b.WriteString("\n  " + pr.String())
		}
		return nil, errors.New(b.String())
	}
	return p, err
}

// regions are the regions the run covers, and a sentence saying which and why.
//
// The rule, the same as the timer's sweep and what validate prints: the
// regions named by the policy's rules, plus the home region when some rule
// names no region (such a rule matches in any region, and the home region
// is the one place a run knows to look). The function's home region is its
// own; the CLI's is --region, else the profile's region_id or
// ALIBABA_CLOUD_REGION_ID. --region alone covers that region only.
func (r *planRun) regions() ([]string, string, error) {
	if r.f.region != "" {
		why := "region " + r.f.region + " (--region)"
		if !r.covers(r.f.region) {
			why += "; no rule of the policy applies there"
		}
		return []string{r.f.region}, why, nil
	}
	named := r.pol.Regions()
	every := r.pol.EveryRegion()
	if r.base != nil {
		named = append(named, r.base.Regions()...)
		every = every || r.base.EveryRegion()
	}
	slices.Sort(named)
	named = slices.Compact(named)
	regions := slices.Clone(named)
	why := "regions " + strings.Join(named, ", ") + " (named by the policy)"
	if len(named) == 0 {
		why = ""
	}
	if every {
		home := r.cred.Region
		if home == "" {
			return nil, "", errors.New("some rule names no region, so it applies in the home region, and none is known: " +
				"pass --region, or set region_id in the aliyun CLI profile, or ALIBABA_CLOUD_REGION_ID")
		}
		if !slices.Contains(regions, home) {
			regions = append(regions, home)
			if why != "" {
				why += " + "
			}
			why += home + " (home region, for the rules without regions)"
		}
	}
	if len(regions) == 0 {
		return nil, "", errors.New("the policy covers no region")
	}
	return regions, "covering " + why, nil
}

// covers reports whether some rule of either policy applies in region.
func (r *planRun) covers(region string) bool {
	for _, p := range []*policy.Policy{r.pol, r.base} {
		if p != nil && (p.EveryRegion() || slices.Contains(p.Regions(), region)) {
			return true
		}
	}
	return false
}

// client builds an ECS client for region: one per goroutine, as the SDK
// client is not safe to share.
func (r *planRun) engine(region string) (*engine.Engine, error) {
	c, err := ecsclient.New(ecsclient.Config{
		Region: region, Endpoint: r.f.endpoint, Timeout: r.f.timeout,
		AccessKeyID: r.cred.AccessKeyID, AccessKeySecret: r.cred.AccessKeySecret, SecurityToken: r.cred.SecurityToken,
	})
	if err != nil {
		return nil, err
	}
	return engine.New(engine.Config{Client: c, Logger: r.logger, Limiter: r.lim})
}

// targets lists the images to work on: --image, or every self-owned image
// of each region.
func (r *planRun) targets(ctx context.Context, regions []string) ([]target, []string) {
	if len(r.f.images) > 0 {
		var ts []target
		for _, id := range r.f.images {
			ts = append(ts, target{r.f.region, id})
		}
		return ts, nil
	}
	lists := make([][]string, len(regions))
	errs := make([]string, len(regions))
	var g errgroup.Group
	g.SetLimit(r.f.concurrency)
	for i, reg := range regions {
		g.Go(func() error {
			eng, err := r.engine(reg)
			if err != nil {
				errs[i] = fmt.Sprintf("region %s: %v", reg, err)
				return nil
			}
			ids, _, lerr := eng.ListImages(ctx, reg)
			if lerr != nil {
				errs[i] = fmt.Sprintf("region %s: listing the images: %v", reg, lerr)
			}
			lists[i] = ids
			return nil
		})
	}
	_ = g.Wait()
	var ts []target
	var problems []string
	for i, reg := range regions {
		for _, id := range lists[i] {
			ts = append(ts, target{reg, id})
		}
		if errs[i] != "" {
			problems = append(problems, errs[i])
		}
	}
	if len(ts) == 0 && len(problems) == 0 {
		fmt.Fprintf(r.env.Stderr, "%s: no images owned by the caller in %s\n", r.name, strings.Join(regions, ", "))
	}
	return ts, problems
}

// readDirectory reads the Resource Directory once, as the function does per
// invocation, when the policy has directory groups, and shows each group's
// members on stderr (the report on stdout stays the plan). A directory that
// cannot be read is said there too: its rules then report
// DirectoryUnavailable and nothing is removed for them, as in the function.
func (r *planRun) readDirectory(ctx context.Context) {
	groups := r.pol.DirectoryGroups()
	var folders []string
	for _, p := range []*policy.Policy{r.pol, r.base} {
		if p == nil {
			continue
		}
		for _, g := range p.DirectoryGroups() {
			folders = append(folders, g.Folder) // the baseline's too, for --baseline
		}
	}
	if len(folders) == 0 {
		return
	}
	if r.f.rmEndpoint == "" {
		// As for ECS: said before the first call, so that a run meant for
		// the emulator (--ecs-endpoint alone) is seen calling the real cloud.
		fmt.Fprintf(r.env.Stderr, "%s: no --rm-endpoint: calling the real ResourceManager endpoint https://resourcemanager.aliyuncs.com\n", r.name)
	}
	client, err := ecsclient.NewResourceManager(ecsclient.Config{
		Region: cmp.Or(r.f.region, "cn-hangzhou"), Endpoint: r.f.rmEndpoint, Timeout: r.f.timeout,
		AccessKeyID: r.cred.AccessKeyID, AccessKeySecret: r.cred.AccessKeySecret, SecurityToken: r.cred.SecurityToken,
	})
	var snap *directory.Snapshot
	if err != nil {
		snap = directory.Unavailable(&outcome.Error{Code: outcome.DirectoryUnavailable, Message: err.Error()})
	} else {
		snap = directory.Read(ctx, directory.Config{Client: client, Limiter: r.lim, Logger: r.logger}, folders)
	}
	r.dir = snap
	for _, g := range groups {
		members, err := snap.Members(g.Folder)
		if err != nil {
			fmt.Fprintf(r.env.Stderr, "%s: directory group %s: not read: %v\n", r.name, g, err)
			continue
		}
		fmt.Fprintf(r.env.Stderr, "%s: directory group %s: %d member(s): %s\n", r.name, g, len(members), strings.Join(members, ", "))
	}
}

// decide builds a reconcile's intent as the function does (handler.Intent),
// with --prune applied. dir is the Resource Directory as read for the run
// (nil without directory groups).
func decide(p *policy.Policy, dir policy.Directory, prune *bool) func(engine.Observed) (engine.Intent, error) {
	return func(o engine.Observed) (engine.Intent, error) {
		in, err := handler.Intent(p, dir, request.Reconcile, nil, o)
		if prune != nil {
			in.Prune = *prune
		}
		return in, err
	}
}

// runAll runs every target (dry, or for real) with bounded concurrency,
// results in target order.
func (r *planRun) runAll(ctx context.Context, ts []target, dry bool) []*engine.Result {
	out := make([]*engine.Result, len(ts))
	bar := progress.New(r.env.Stderr, r.env.StderrTerminal, len(ts), map[bool]string{true: "planning", false: "applying"}[dry])
	var g errgroup.Group
	g.SetLimit(r.f.concurrency)
	for i, t := range ts {
		g.Go(func() error {
			out[i] = r.runOne(ctx, t, dry)
			bar.Add(1)
			return nil
		})
	}
	_ = g.Wait()
	bar.Finish()
	return out
}

func (r *planRun) runOne(ctx context.Context, t target, dry bool) *engine.Result {
	eng, err := r.engine(t.region)
	if err != nil {
		return &engine.Result{Region: t.region, ImageID: t.image, DryRun: dry, Status: outcome.Failed,
			Err: &outcome.Error{Code: outcome.Internal, Message: err.Error()}}
	}
	return eng.Run(ctx, engine.ImageRequest{Region: t.region, ImageID: t.image, DryRun: dry, Decide: decide(r.pol, r.dir, r.f.prune)})
}

// confirm shows apply's plan and, on a terminal with removals to make and
// no --yes, asks. It reports done (with the exit code) when apply must stop.
func (r *planRun) confirm(rep *report, problems []string) (int, bool) {
	w := r.env.Stderr
	rep.writeText(w, "Plan")
	t := rep.Totals
	if t.Add+t.Remove == 0 {
		return 0, false // nothing to change: the outcomes say so
	}
	if t.Remove == 0 || r.f.yes || !r.env.Interactive || r.env.Stdin == nil {
		return 0, false
	}
	fmt.Fprintf(w, "\n%s will remove %d share(s) from %d image(s); instances built from a shared image can no longer be re-initialised by that account.\n",
		r.name, t.Remove, t.ImagesRemoving)
	fmt.Fprint(w, "Type yes to go on: ")
	line, _ := bufio.NewReader(r.env.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintf(w, "%s: cancelled at the confirmation: nothing was changed\n", r.name)
		return 1, true
	}
	return 0, false
}

// applyChanges runs for real the images whose plan changes something; the
// others keep their plan's result, which is what a real run would report.
func (r *planRun) applyChanges(ctx context.Context, ts []target, planned []*engine.Result) []*engine.Result {
	out := slices.Clone(planned)
	changing := 0
	for _, res := range planned {
		if len(res.Added)+len(res.Removed) > 0 {
			changing++
		}
	}
	bar := progress.New(r.env.Stderr, r.env.StderrTerminal, changing, "applying")
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(r.f.concurrency)
	for i, res := range planned {
		if len(res.Added)+len(res.Removed) == 0 {
			res.DryRun = false
			continue
		}
		g.Go(func() error {
			got := r.runOne(ctx, ts[i], false)
			mu.Lock()
			out[i] = got
			mu.Unlock()
			bar.Add(1)
			return nil
		})
	}
	_ = g.Wait()
	bar.Finish()
	return out
}
