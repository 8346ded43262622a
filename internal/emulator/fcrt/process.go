package fcrt

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Process is a function binary running against a runtime API.
type Process struct {
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
	stop   sync.Once
}

// StartProcess runs binary with FC_RUNTIME_API=runtimeAddr (host:port; an
// http:// prefix, as in httptest.Server.URL, is dropped). Like FC, it gives
// the process only the variables in env (KEY=VALUE) plus FC_RUNTIME_API,
// nothing inherited, so a developer's own credentials cannot leak into it.
// The process is killed when ctx ends or Stop is called; always call Stop,
// since the SDK never exits on its own, not even when the API is gone.
func StartProcess(ctx context.Context, binary string, runtimeAddr string, env []string) (*Process, error) {
	p := &Process{done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, binary)
	addr := strings.TrimPrefix(runtimeAddr, "http://")
	p.cmd.Env = append(append([]string{}, env...), "FC_RUNTIME_API="+addr)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait() // killed is the normal end; the output tells the rest
		close(p.done)
	}()
	return p, nil
}

// Stop kills the process and waits for it to exit. It is safe to call more
// than once and after the process exited by itself.
func (p *Process) Stop() {
	p.stop.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.done
}

// Pid is the process id, for readings the platform keeps per process (a
// benchmark's peak memory from /proc/<pid>/status, say).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// ProcessState is how the process ended; nil until Done is closed.
func (p *Process) ProcessState() *os.ProcessState {
	select {
	case <-p.done:
		return p.cmd.ProcessState
	default:
		return nil
	}
}

// Done is closed when the process has exited, for whatever reason.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stdout returns what the process wrote to stdout so far (the SDK logs
// "FC Invoke Start/End RequestId: ..." there).
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr returns what the process wrote to stderr so far (the SDK's log
// package output, panics included).
func (p *Process) Stderr() string { return p.stderr.String() }

// lockedBuffer is a bytes.Buffer that the process's output copier may write
// while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
