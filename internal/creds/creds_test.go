package creds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cliConfig = `{
  "current": "dev",
  "profiles": [
    {"name": "dev", "mode": "AK", "access_key_id": "LTAIdevKey", "access_key_secret": "dev-secret", "region_id": "cn-hangzhou"},
    {"name": "ci", "mode": "StsToken", "access_key_id": "STS.ciKey", "access_key_secret": "ci-secret", "sts_token": "ci-token", "region_id": "cn-shanghai"}
  ]
}`

const credFile = `[default]
type = access_key
access_key_id = LTAIfileKey
access_key_secret = file-secret

[role]
type = ecs_ram_role
role_name = r
`

func TestResolve(t *testing.T) {
	withCLI := t.TempDir()
	mustWrite(t, filepath.Join(withCLI, ".aliyun", "config.json"), cliConfig)
	withFile := t.TempDir()
	mustWrite(t, filepath.Join(withFile, ".alibabacloud", "credentials"), credFile)
	badCLI := t.TempDir()
	mustWrite(t, filepath.Join(badCLI, ".aliyun", "config.json"), `{"profiles": [{"access_key_secret": "leaky-secret"`)
	empty := t.TempDir()
	noIMDS := "true"

	tests := []struct {
		name    string
		env     map[string]string
		opts    Options
		wantKey string
		token   string
		region  string
		source  string
		errHas  []string
	}{
		{name: "current CLI profile", env: map[string]string{"HOME": withCLI},
			wantKey: "LTAIdevKey", region: "cn-hangzhou", source: "aliyun CLI config"},
		{name: "--profile picks a CLI profile", env: map[string]string{"HOME": withCLI}, opts: Options{Profile: "ci"},
			wantKey: "STS.ciKey", token: "ci-token", region: "cn-shanghai", source: "profile ci"},
		{name: "ALIBABA_CLOUD_PROFILE picks one too", env: map[string]string{"HOME": withCLI, "ALIBABA_CLOUD_PROFILE": "ci"},
			wantKey: "STS.ciKey", token: "ci-token", region: "cn-shanghai"},
		{name: "environment comes before the CLI config", env: map[string]string{"HOME": withCLI,
			"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret", "ALIBABA_CLOUD_REGION_ID": "cn-beijing"},
			wantKey: "LTAIenvKey", region: "cn-beijing", source: "environment"},
		{name: "--profile ignores the environment", env: map[string]string{"HOME": withCLI,
			"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}, opts: Options{Profile: "dev"},
			wantKey: "LTAIdevKey"},
		{name: "flags override everything", env: map[string]string{"HOME": withCLI},
			opts: Options{AccessKeyID: "LTAIflagKey", AccessKeySecret: "flag-secret"}, wantKey: "LTAIflagKey", source: "flags"},
		{name: "ALIBABA_CLOUD_CONFIG_FILE", env: map[string]string{"ALIBABA_CLOUD_CONFIG_FILE": filepath.Join(withCLI, ".aliyun", "config.json")},
			wantKey: "LTAIdevKey"},
		{name: "credentials file", env: map[string]string{"HOME": withFile, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": noIMDS},
			wantKey: "LTAIfileKey", source: "credentials file"},
		{name: "unknown profile", env: map[string]string{"HOME": withCLI}, opts: Options{Profile: "nope"},
			errHas: []string{"profile nope", "unable to get profile with 'nope'", "credentials file"}},
		{name: "unsupported section type", env: map[string]string{"HOME": withFile}, opts: Options{Profile: "role"},
			errHas: []string{`type "ecs_ram_role"`}},
		{name: "half the flags", opts: Options{AccessKeyID: "x"}, errHas: []string{"go together"}},
		{name: "nothing anywhere", env: map[string]string{"HOME": empty, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": noIMDS},
			errHas: []string{"environment variables", "OIDC", "aliyun CLI config " + filepath.Join(empty, ".aliyun", "config.json") + ": no such file",
				"credentials file", "ECS instance RAM role", "aliyun configure"}},
		{name: "a broken CLI config is not quoted", env: map[string]string{"HOME": badCLI, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": noIMDS},
			errHas: []string{"not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = func(k string) string { return tt.env[k] }
			c, err := Resolve(tt.opts)
			if len(tt.errHas) > 0 {
				if err == nil {
					t.Fatalf("found %s from %s, want an error", c.AccessKeyID, c.Source)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error lacks %q:\n%v", s, err)
					}
				}
				if strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), "leaky") {
					t.Errorf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != tt.wantKey || c.SecurityToken != tt.token || (tt.region != "" && c.Region != tt.region) ||
				!strings.Contains(c.Source, tt.source) {
				t.Errorf("got key %s token %q region %q source %q", c.AccessKeyID, c.SecurityToken, c.Region, c.Source)
			}
		})
	}
}

func TestResolveNeedsGetenv(t *testing.T) {
	if _, err := Resolve(Options{}); err == nil {
		t.Fatal("no error without Getenv")
	}
	var e *Error
	if _, err := Resolve(Options{Getenv: func(string) string { return "" }, Profile: "x"}); !errors.As(err, &e) || len(e.Tried) != 2 {
		t.Fatalf("with --profile and no home, err = %v, want the two profile sources tried", err)
	}
}

func mustWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
