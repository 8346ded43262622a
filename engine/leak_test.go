package engine

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// leakToken is an STS token with characters that URL encoding changes, so a
// test also catches its encoded forms.
const leakToken = "CAIS+leak/token=value*xyz987"

// withSTS gives the world and the client an STS token, and the client the
// given secret (a wrong one makes the service answer SignatureDoesNotMatch).
func withSTS(secret string) envOption {
	return func(w *world.World, _ *Config, c *ecsclient.Config) {
		w.Credentials.SecurityToken = leakToken
		c.SecurityToken, c.AccessKeySecret = leakToken, secret
	}
}

// TestNoCredentialInErrorsOrLogs drives the real SDK into the two failures
// whose text quotes credentials: a network error (Go quotes the signed URL,
// SecurityToken and Signature included) and SignatureDoesNotMatch (the
// service quotes its string to sign). Neither the outcome error nor any log
// line may hold the token or the secret in any encoding.
func TestNoCredentialInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name string
		opts []envOption
		code outcome.Code
	}{
		{"connection reset", []envOption{withSTS(akSecret), withFaults(world.Fault{API: apiDescribeImages, Code: "reset", Times: 100})}, outcome.CloudUnavailable},
		{"signature mismatch", []envOption{withSTS("a-wrong-secret-value")}, outcome.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			opts := append(tt.opts, withConfig(func(c *Config) {
				c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}))
			e := newEnv(t, opts...)
			res := e.run("m-golden", Intent{Desired: accts(1, 3)})
			if res.Err == nil || res.Err.Code != tt.code {
				t.Fatalf("error %v, want %s", res.Err, tt.code)
			}
			text := res.Err.Error() + "\n" + logs.String()
			for _, bad := range []string{leakToken, url.QueryEscape(leakToken), "CAIS", "a-wrong-secret-value", "Signature=" + "%"} {
				if strings.Contains(text, bad) {
					t.Errorf("%q leaked:\n%s", bad, text)
				}
			}
			if !strings.Contains(logs.String(), "ecs call failed") {
				t.Errorf("the failure was not logged, so the test proves nothing:\n%s", logs.String())
			}
		})
	}
}
