package handler

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/suggest"
	"github.com/imageshare/ecs-image-share/request"
)

// Config is the function's configuration, read once from its environment
// variables (see docs/configuration.md).
type Config struct {
	PolicyFile   string // POLICY_FILE, default policy.yaml beside the binary
	OutcomeQueue string // OUTCOME_QUEUE
	OutcomeTopic string // OUTCOME_TOPIC
	WorkQueue    string // WORK_QUEUE: deferrals and sweep fan-out
	MNSEndpoint  string // MNS_ENDPOINT, default derived from the account and region
	ECSEndpoint  string // ECS_ENDPOINT, default the region's public endpoint
	// RMEndpoint is ResourceManager's endpoint, for policies with Resource
	// Directory groups (RM_ENDPOINT, default resourcemanager.aliyuncs.com
	// over HTTPS).
	RMEndpoint string
	DryRun     bool // DRY_RUN: plan everything, change nothing
	// Ledger is where instances record the deferral steps they took, so
	// that a duplicate delivery on another instance does not queue the same
	// next attempt again (see package ledger). Without LEDGER_BUCKET each
	// instance remembers only its own steps.
	Ledger   LedgerConfig
	LogLevel slog.Level

	// WaitReady is how long one invocation waits for a Creating image before
	// deferring it (WAIT_READY_SECONDS, default 60).
	WaitReady time.Duration
	// DeferAttempts is how many times an image that is not ready is looked at
	// before a final ImageNotReady (DEFER_ATTEMPTS, default 13); DeferDelay
	// the first delay, doubling up to DeferMaxDelay (DEFER_DELAY_SECONDS 60,
	// DEFER_MAX_DELAY_SECONDS 900). The defaults wait 2 h 15 min in all,
	// since large images take tens of minutes to create.
	DeferAttempts int
	DeferDelay    time.Duration
	DeferMaxDelay time.Duration

	// SweepConcurrency bounds the images a sweep works on at once
	// (SWEEP_CONCURRENCY, default 4). ECSRate is the calls per second each
	// ECS API may take from this instance (ECS_CALLS_PER_SECOND, default
	// 20), ECSAPIRates overrides it per API (ECS_API_CALLS_PER_SECOND, e.g.
	// "ModifyImageSharePermission=50,DescribeImages=40"), and ECSRateShared
	// makes ECSRate one budget for every API together, the first release's
	// behaviour (ECS_RATE_SCOPE=instance; default api). ECS throttles each
	// API on its own, so per-API budgets let a sweep use each API's limit.
	SweepConcurrency int
	ECSRate          float64
	ECSAPIRates      map[string]float64
	ECSRateShared    bool
	// FanOutThreshold: a sweep of more images than this fans out to the work
	// queue (FANOUT_THRESHOLD, default 50), FanOutImages per message
	// (FANOUT_IMAGES_PER_MESSAGE, default 10).
	FanOutThreshold int
	FanOutImages    int

	// Base64Body and TopicStream describe the triggers (see trigger.Options):
	// BASE64_BODY, TOPIC_STREAM.
	Base64Body  bool
	TopicStream bool

	// RequestKey (REQUEST_KEY, at least 32 bytes) seals the requests the
	// function writes to its work queue, so that it trusts origin and
	// attempt only in its own (request.Seal). Without it those fields are
	// ignored in every body and nothing is deferred: a deferral's attempt
	// count could not be trusted, and a chain would never end. A secret:
	// never logged, scrubbed from everything written out.
	RequestKey []byte
}

// TotalDeferral is the emulated time an image may take to become Available
// before its outcome is a final ImageNotReady: the sum of every delay.
func (c Config) TotalDeferral() time.Duration {
	var total time.Duration
	for n := 1; n < c.DeferAttempts; n++ {
		total += c.deferDelay(n)
	}
	return total
}

// deferDelay is the delay before attempt n+1 of an image that was not ready at attempt n.
func (c Config) deferDelay(n int) time.Duration {
	d := c.DeferDelay
	for i := 1; i < n && d < c.DeferMaxDelay; i++ {
		d *= 2
	}
	return min(d, c.DeferMaxDelay)
}

// ConfigFromEnv reads and validates the configuration. Every problem is
// reported at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	boolean := func(key string) bool {
		v := str(key, "false")
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a boolean", key, v))
		}
		return b
	}
	integer := func(key string, def, lo, hi int) int {
		v := str(key, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			errs = append(errs, fmt.Errorf("%s=%q is not an integer in %d..%d", key, v, lo, hi))
		}
		return n
	}
	seconds := func(key string, def, lo, hi int) time.Duration {
		return time.Duration(integer(key, def, lo, hi)) * time.Second
	}
	c := Config{
		PolicyFile:       str("POLICY_FILE", "policy.yaml"),
		OutcomeQueue:     str("OUTCOME_QUEUE", ""),
		OutcomeTopic:     str("OUTCOME_TOPIC", ""),
		WorkQueue:        str("WORK_QUEUE", ""),
		MNSEndpoint:      str("MNS_ENDPOINT", ""),
		ECSEndpoint:      str("ECS_ENDPOINT", ""),
		RMEndpoint:       str("RM_ENDPOINT", ""),
		DryRun:           boolean("DRY_RUN"),
		WaitReady:        seconds("WAIT_READY_SECONDS", 60, 0, 3600),
		DeferAttempts:    integer("DEFER_ATTEMPTS", 13, 1, 1000),
		DeferDelay:       seconds("DEFER_DELAY_SECONDS", 60, 1, 604800),
		DeferMaxDelay:    seconds("DEFER_MAX_DELAY_SECONDS", 900, 1, 604800),
		SweepConcurrency: integer("SWEEP_CONCURRENCY", 4, 1, 64),
		FanOutThreshold:  integer("FANOUT_THRESHOLD", 50, 0, 1_000_000),
		FanOutImages:     integer("FANOUT_IMAGES_PER_MESSAGE", 10, 1, 100),
		Base64Body:       boolean("BASE64_BODY"),
		TopicStream:      boolean("TOPIC_STREAM"),
		Ledger: LedgerConfig{
			Bucket:   str("LEDGER_BUCKET", ""),
			Region:   str("LEDGER_REGION", ""),
			Endpoint: str("LEDGER_ENDPOINT", ""),
			Prefix:   str("LEDGER_PREFIX", ""),
		},
	}
	if c.Ledger.Bucket == "" && (c.Ledger.Region != "" || c.Ledger.Endpoint != "" || c.Ledger.Prefix != "") {
		errs = append(errs, errors.New("LEDGER_REGION, LEDGER_ENDPOINT or LEDGER_PREFIX is set without LEDGER_BUCKET: name the bucket the ledger is kept in"))
	}
	// The key's value is never quoted in an error: it is a secret.
	if key := str("REQUEST_KEY", ""); key != "" && len(key) < request.MinKeyBytes {
		errs = append(errs, fmt.Errorf("REQUEST_KEY is %d bytes; at least %d are needed (for example the output of: openssl rand -base64 32)", len(key), request.MinKeyBytes))
	} else {
		c.RequestKey = []byte(key)
	}
	rate := str("ECS_CALLS_PER_SECOND", "20")
	if r, err := strconv.ParseFloat(rate, 64); err != nil || !(r > 0) || math.IsInf(r, 0) {
		errs = append(errs, fmt.Errorf("ECS_CALLS_PER_SECOND=%q is not a positive number", rate))
	} else {
		c.ECSRate = r
	}
	apiRates, err := parseAPIRates(str("ECS_API_CALLS_PER_SECOND", ""))
	if err != nil {
		errs = append(errs, fmt.Errorf("ECS_API_CALLS_PER_SECOND: %w", err))
	}
	c.ECSAPIRates = apiRates
	switch scope := str("ECS_RATE_SCOPE", "api"); scope {
	case "api":
	case "instance":
		c.ECSRateShared = true
		if len(apiRates) > 0 {
			errs = append(errs, errors.New("ECS_API_CALLS_PER_SECOND is set, but ECS_RATE_SCOPE=instance has one budget for every API"))
		}
	default:
		errs = append(errs, fmt.Errorf("ECS_RATE_SCOPE=%q is not api or instance", scope))
	}
	if err := c.LogLevel.UnmarshalText([]byte(str("LOG_LEVEL", "INFO"))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: %v", err))
	}
	if c.OutcomeQueue == "" && c.OutcomeTopic == "" {
		errs = append(errs, errors.New("set OUTCOME_QUEUE and/or OUTCOME_TOPIC: outcomes must go somewhere"))
	}
	if c.DeferMaxDelay < c.DeferDelay {
		errs = append(errs, errors.New("DEFER_MAX_DELAY_SECONDS is below DEFER_DELAY_SECONDS"))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// Cautions are settings that work but that an operator most likely did not
// mean: the function runs, and says so once per instance.
func (c Config) Cautions() []string {
	var out []string
	if c.WorkQueue != "" && len(c.RequestKey) == 0 {
		out = append(out, "WORK_QUEUE is set but REQUEST_KEY is not: nothing is deferred, and an image not Available within WAIT_READY_SECONDS gets a final ImageNotReady at once (set REQUEST_KEY, see docs/security.md)")
	}
	if c.WorkQueue != "" && len(c.RequestKey) > 0 && c.Ledger.Bucket == "" {
		out = append(out, "LEDGER_BUCKET is not set: each instance remembers only its own deferral steps, and a duplicate delivery reaching another instance can start a second chain of attempts (see docs/deployment.md)")
	}
	return out
}

// LedgerConfig places the shared ledger of deferral steps in an OSS bucket.
type LedgerConfig struct {
	Bucket   string // LEDGER_BUCKET; empty: each instance keeps its own
	Region   string // LEDGER_REGION, default the function's region
	Endpoint string // LEDGER_ENDPOINT, default the region's public OSS endpoint
	Prefix   string // LEDGER_PREFIX, default ledger.DefaultPrefix
}

// parseAPIRates reads "API=rate" pairs separated by commas or spaces, each
// API one the function calls, each rate a positive number.
func parseAPIRates(v string) (map[string]float64, error) {
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(fields) == 0 {
		return nil, nil
	}
	apis := engine.APIs()
	rates := map[string]float64{}
	var errs []error
	for _, f := range fields {
		api, num, ok := strings.Cut(f, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("%q is not API=rate", f))
			continue
		}
		if !slices.Contains(apis, api) {
			msg := fmt.Sprintf("%q is not an ECS API the function calls (%s)", api, strings.Join(apis, ", "))
			if s := suggest.Closest(api, apis); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		if _, dup := rates[api]; dup {
			errs = append(errs, fmt.Errorf("%s is given twice", api))
			continue
		}
		r, err := strconv.ParseFloat(num, 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive number", api, num))
			continue
		}
		rates[api] = r
	}
	return rates, errors.Join(errs...)
}
