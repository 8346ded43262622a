package cli

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
)

// repoEnv is an Env whose embedded files are the repository's own.
func repoEnv(stdout, stderr io.Writer) Env {
	return Env{Stdout: stdout, Stderr: stderr, Getenv: func(string) string { return "" }, Files: os.DirFS("../..")}
}

func TestEmulatePrintsAddressServesAndStops(t *testing.T) {
	outR, outW := io.Pipe()
	var stderr strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- runEmulate(ctx, []string{"--listen", "127.0.0.1:0"}, repoEnv(outW, &stderr))
		outW.Close()
	}()

	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the address line: %v (stderr: %s)", err, stderr.String())
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line = %q, want \"listening on ADDR\"", line)
	}
	client, err := ecsclient.New(ecsclient.Config{
		Region: "cn-hangzhou", Endpoint: addr,
		AccessKeyID: "LTAI5tLocalTestKey", AccessKeySecret: "local-test-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	req := ecs.CreateDescribeImageSharePermissionRequest()
	req.RegionId, req.ImageId = "cn-hangzhou", "m-staging-004"
	resp, err := client.DescribeImageSharePermission(req)
	if err != nil {
		t.Fatalf("DescribeImageSharePermission against emulate: %v", err)
	}
	if len(resp.Accounts.Account) != 1 || resp.Accounts.Account[0].AliyunId != "2000000000000001" {
		t.Fatalf("shares = %+v, want the demo world's one", resp.Accounts.Account)
	}

	cancel() // what SIGINT and SIGTERM do in main
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit code %d, stderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulate did not stop after its context ended")
	}
}

func TestEmulateRejectsBadWorld(t *testing.T) {
	bad := t.TempDir() + "/w.yaml"
	if err := os.WriteFile(bad, []byte("owner: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	if code := runEmulate(context.Background(), []string{"--world", bad}, repoEnv(io.Discard, &stderr)); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "w.yaml") || !strings.Contains(stderr.String(), "owner") {
		t.Fatalf("stderr = %q, want the file and the problem", stderr.String())
	}
}
