package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/fcrt"
)

// The deployed build, run as Function Compute runs it (a process polling the
// emulated runtime API): it starts, and what is wrong with its configuration
// or policy is reported on the first invocation rather than lost in a crash
// loop.
func TestDeployedBuildStartsAndReports(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "main")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	good := filepath.Join(dir, "policy.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	for p, text := range map[string]string{
		good: "version: 1\ngroups:\n  prod: [\"2000000000000001\"]\nrules:\n  - name: prod\n    match: {tags: {env: prod}}\n    shareWith: [prod]\n",
		bad:  "version: 1\nrules:\n  - name: prod\n    shareWith: [nobody]\n",
	} {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"OUTCOME_QUEUE=outcomes", "MNS_ENDPOINT=http://1000000000000001.mns.cn-hangzhou.aliyuncs.com"}
	// An ActionTrail record of an API the function does not act on: it
	// needs no call to any service.
	const ignored = `{"id":"e-1","source":"acs.ecs","specversion":"1.0","type":"ecs:ActionTrail:ApiCall",` +
		`"aliyunaccountid":"1000000000000001","aliyunregionid":"cn-hangzhou",` +
		`"data":{"eventId":"E-1","eventName":"DeleteDisk","eventType":"ApiCall","serviceName":"Ecs","acsRegion":"cn-hangzhou"}}`

	for _, tc := range []struct {
		name    string
		env     []string
		wantErr string // "" for an answer without error
	}{
		{"ignored event answered", append(base, "POLICY_FILE="+good), ""},
		{"bad policy reported", append(base, "POLICY_FILE="+bad), "nobody"},
		{"no outcome destination reported", []string{"POLICY_FILE=" + good}, "OUTCOME_QUEUE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := invokeOnce(t, bin, tc.env, []byte(ignored))
			switch {
			case tc.wantErr == "" && res.Error != nil:
				t.Errorf("error %v, want an answer", res.Error)
			case tc.wantErr != "" && (res.Error == nil || !strings.Contains(res.Error.Error(), tc.wantErr)):
				t.Errorf("answer %s, error %v: want an error naming %q", res.Body, res.Error, tc.wantErr)
			}
		})
	}
}

// invokeOnce starts bin against a new emulated runtime API, delivers one
// payload and stops the process.
func invokeOnce(t *testing.T, bin string, env []string, payload []byte) fcrt.Result {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rt := fcrt.New()
	srv := &http.Server{Handler: rt, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	proc, err := fcrt.StartProcess(ctx, bin, ln.Addr().String(), env)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Stop()
	res, err := rt.Invoke(ctx, fcrt.Invocation{
		Payload:     payload,
		Timeout:     30 * time.Second,
		Credentials: fcrt.Credentials{AccessKeyID: "LTAI5tTestKeyId00000000", AccessKeySecret: "test-secret", SecurityToken: "test-token"},
		AccountID:   "1000000000000001",
		Region:      "cn-hangzhou",
	})
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, proc.Stderr())
	}
	return res
}
