package fcrt

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestStartProcessMissingBinary(t *testing.T) {
	_, err := StartProcess(context.Background(), filepath.Join(t.TempDir(), "absent"), "127.0.0.1:1", nil)
	if err == nil {
		t.Fatal("StartProcess succeeded without a binary")
	}
}

func TestStopKillsFunctionWithoutAPI(t *testing.T) {
	if helloBinary == "" {
		t.Skip("no go tool on PATH to build testdata/hello")
	}
	// A port nobody listens on: the SDK retries forever, so only Stop ends it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := StartProcess(context.Background(), helloBinary, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 || p.ProcessState() != nil {
		t.Errorf("running process: pid %d, state %v", p.Pid(), p.ProcessState())
	}
	p.Stop()
	p.Stop() // idempotent
	if p.ProcessState() == nil {
		t.Error("no ProcessState after Stop")
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done not closed after Stop")
	}
}

func TestContextEndKillsProcess(t *testing.T) {
	if helloBinary == "" {
		t.Skip("no go tool on PATH to build testdata/hello")
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := StartProcess(ctx, helloBinary, "127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	cancel()
	select {
	case <-p.Done():
	case <-time.After(testTimeout):
		t.Fatal("process still running after its context ended")
	}
}
