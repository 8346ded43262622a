package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/request"
)

// runPlan is the plan command (apply false: observe and plan, change
// nothing) and the apply command (apply true: make the changes, print one
// outcome JSON object per image). It reads credentials from the process
// environment; planCommand is the same for the command table, with the
// environment passed in.
//
// Exit codes: 0 when every image is planned, unchanged or succeeded; 1 when
// some image failed or was only partly done; 2 for unusable flags, policy
// or credentials.
func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer, apply bool) int {
	return planWith(ctx, args, stdout, stderr, os.Getenv, apply)
}

// planCommand adapts plan/apply to the command table's signature.
func planCommand(apply bool) func(context.Context, []string, Env) int {
	return func(ctx context.Context, args []string, env Env) int {
		getenv := env.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		return planWith(ctx, args, env.Stdout, env.Stderr, getenv, apply)
	}
}

// planFlags are the plan and apply commands' flags.
type planFlags struct {
	policy, region, endpoint string
	images                   []string
	keyID, keySecret, token  string
	prune                    *bool // nil: the policy decides
	timeout                  time.Duration
}

func parsePlanFlags(name string, args []string, stderr io.Writer, getenv func(string) string) (*planFlags, error) {
	f := &planFlags{}
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML or JSON); required")
	fl.StringVar(&f.region, "region", "", "region of the images, e.g. cn-hangzhou; required")
	fl.Func("image", "image id (repeatable; default: every image the account owns in the region)", func(s string) error {
		f.images = append(f.images, s)
		return nil
	})
	fl.StringVar(&f.endpoint, "ecs-endpoint", "", "ECS endpoint, e.g. http://127.0.0.1:8080 for the emulator (default: the region's public HTTPS endpoint)")
	// The "default credential chain" here is the environment: the variables
	// the Alibaba Cloud CLI and SDKs read first.
	// Never a flag default: see envFlag.
	keyID := envFlag(fl, "access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID", "AccessKey id", getenv)
	keySecret := envFlag(fl, "access-key-secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "AccessKey secret", getenv)
	token := envFlag(fl, "security-token", "ALIBABA_CLOUD_SECURITY_TOKEN", "STS token", getenv)
	fl.BoolFunc("prune", "override the policy's prune (--prune or --prune=false)", func(s string) error {
		v, err := strconv.ParseBool(s)
		f.prune = &v
		return err
	})
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of each ECS call")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	f.keyID, f.keySecret, f.token = keyID(), keySecret(), token()
	var errs []error
	if fl.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", fl.Args()))
	}
	if f.policy == "" {
		errs = append(errs, errors.New("--policy is required"))
	}
	if f.region == "" {
		errs = append(errs, errors.New("--region is required"))
	}
	if f.keyID == "" || f.keySecret == "" {
		errs = append(errs, errors.New("credentials: set --access-key-id and --access-key-secret, or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
	}
	return f, errors.Join(errs...)
}

func planWith(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, apply bool) int {
	name := "plan"
	if apply {
		name = "apply"
	}
	f, err := parsePlanFlags(name, args, stderr, getenv)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
		}
		return 2
	}
	// Everything written from here on passes the credentials' scrubber:
	// an SDK error, a log line or an outcome that quotes a signed request
	// loses its token and signature on the way out.
	scrub := redact.New(f.keySecret, f.token)
	stdout, stderr = scrub.Writer(stdout), scrub.Writer(stderr)
	pol, err := policy.Load(f.policy)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	client, err := ecsclient.New(ecsclient.Config{
		Region: f.region, Endpoint: f.endpoint, Timeout: f.timeout,
		AccessKeyID: f.keyID, AccessKeySecret: f.keySecret, SecurityToken: f.token,
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	eng, err := engine.New(engine.Config{
		Client: client,
		Logger: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}

	images := f.images
	if len(images) == 0 {
		var lerr *outcome.Error
		if images, _, lerr = eng.ListImages(ctx, f.region); lerr != nil {
			fmt.Fprintf(stderr, "%s: listing the images of %s: %v\n", name, f.region, lerr)
			return 1
		}
		if len(images) == 0 {
			fmt.Fprintf(stderr, "%s: no images owned by the caller in %s\n", name, f.region)
		}
	}

	// One source id per run: outcome ids of one run are distinct per image,
	// and a second run is a new event.
	source := "cli:" + time.Now().UTC().Format(time.RFC3339Nano)
	code := 0
	for _, id := range images {
		res := eng.Run(ctx, engine.ImageRequest{
			Region: f.region, ImageID: id, DryRun: !apply,
			Decide: policyDecider(pol, nil, f.prune, stderr),
		})
		if apply {
			err = printOutcome(stdout, res, source)
		} else {
			err = printPlan(stdout, res)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		if res.Status == outcome.Failed || res.Status == outcome.Partial {
			code = 1
		}
	}
	return code
}

// policyDecider turns the policy's decision for an observed image into a
// reconcile intent (as the function builds it, handler.Intent); prune, when
// set, overrides the policy's.
func policyDecider(pol *policy.Policy, dir policy.Directory, prune *bool, stderr io.Writer) func(engine.Observed) (engine.Intent, error) {
	return func(o engine.Observed) (engine.Intent, error) {
		in, err := handler.Intent(pol, dir, request.Reconcile, nil, o)
		for _, f := range in.Failures {
			fmt.Fprintf(stderr, "image %s: %s\n", o.ImageID, f.Message)
		}
		if prune != nil {
			in.Prune = *prune
		}
		return in, err
	}
}

// printOutcome writes the image's outcome as one JSON line.
func printOutcome(w io.Writer, res *engine.Result, source string) error {
	o := res.Outcome()
	o.OutcomeID = outcome.ID(source, res.ImageID, 1)
	o.Trigger = outcome.Trigger{Type: outcome.TriggerDirect, EventID: source}
	o.Action = outcome.ActionReconcile
	o.Attempt = 1
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// printPlan writes a readable plan for one image.
func printPlan(w io.Writer, res *engine.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "image %s (%s)", res.ImageID, res.Region)
	if o := res.Observed; o != nil {
		fmt.Fprintf(&b, ": %s, owner %s, shared with %d", o.Status, o.OwnerID, len(o.Shared))
		if o.Encrypted {
			b.WriteString(", encrypted")
		}
		if len(o.Tags) > 0 {
			var tags []string
			for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
				tags = append(tags, k+"="+o.Tags[k])
			}
			fmt.Fprintf(&b, ", tags %s", strings.Join(tags, ","))
		}
	}
	b.WriteString("\n")
	for _, a := range res.Added {
		fmt.Fprintf(&b, "  + %s", a)
		if why := res.Because[a]; len(why) > 0 {
			fmt.Fprintf(&b, "  (%s)", strings.Join(why, ", "))
		}
		b.WriteString("\n")
	}
	for _, r := range res.Removed {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	for _, u := range res.Unchanged {
		fmt.Fprintf(&b, "  = %s\n", u)
	}
	for _, f := range res.Failures {
		fmt.Fprintf(&b, "  ! %s %s: %s\n", f.Account, f.Code, f.Message)
	}
	if res.Err != nil {
		fmt.Fprintf(&b, "  error %s: %s\n", res.Err.Code, res.Err.Message)
	}
	if p := res.Plan; p != nil && len(p.Batches) > 0 {
		var calls []string
		for _, bt := range p.Batches {
			calls = append(calls, fmt.Sprintf("+%d -%d", len(bt.Add), len(bt.Remove)))
		}
		fmt.Fprintf(&b, "  %d ModifyImageSharePermission call(s): %s\n", len(p.Batches), strings.Join(calls, ", "))
	}
	fmt.Fprintf(&b, "  status %s\n", res.Status)
	_, err := io.WriteString(w, b.String())
	return err
}
