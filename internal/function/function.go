// Package function runs the binary as the Function Compute function: it
// reads the configuration and policy once and serves invocations. Both the
// deployed build (cmd/function) and the workstation binary (main.go, when
// FC_RUNTIME_API is set) start here.
package function

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aliyun/fc-runtime-go-sdk/fc"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/policy"
)

// Run serves Function Compute invocations until the process ends; getenv
// reads the process environment and logs go to stderr.
// Configuration and policy are read once; when either is unusable every
// invocation fails with a message saying why, rather than the process
// crashing in a loop the platform would only report as a start failure.
func Run(getenv func(string) string, stderr io.Writer) int {
	cfg, cfgErr := handler.ConfigFromEnv(getenv)
	// Scrubbed by pattern here (the credentials come per invocation, and
	// the handler adds a scrubber of them to each invocation's logger).
	log := slog.New(redact.New().Handler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	if cfgErr != nil {
		log.Error("unusable configuration", "err", cfgErr)
		fc.Start(func(context.Context, []byte) (handler.Summary, error) { return handler.Summary{}, cfgErr })
		return 1
	}
	// The policy loads, and the configuration's cautions are logged, while
	// the runtime API is polled for the first invocation (cold start); the
	// handler waits for the policy before handling anything, so a bad
	// policy still fails the first invocation.
	type loaded struct {
		pol *policy.Policy
		err error
	}
	ready := make(chan loaded, 1)
	go func() {
		for _, c := range cfg.Cautions() {
			log.Warn(c)
		}
		pol, err := policy.Load(policyPath(cfg.PolicyFile))
		if err != nil {
			log.Error("unusable policy", "file", cfg.PolicyFile, "err", err)
		}
		ready <- loaded{pol, err}
	}()
	h := handler.New(cfg, handler.Deps{Logger: log, LoadPolicy: func() (*policy.Policy, error) {
		l := <-ready
		return l.pol, l.err
	}})
	fc.Start(h.Invoke)
	return 0
}

// policyPath resolves a relative POLICY_FILE against the binary's folder,
// where the deployment puts policy.yaml beside it.
func policyPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if _, err := os.Stat(p); err == nil || !errors.Is(err, os.ErrNotExist) {
		return p
	}
	exe, err := os.Executable()
	if err != nil {
		return p
	}
	return filepath.Join(filepath.Dir(exe), p)
}
