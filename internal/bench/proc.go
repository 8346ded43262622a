package bench

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/fcrt"
)

// instance is one function process and the emulated runtime API it polls:
// one Function Compute instance. Each has its own runtime so that the
// harness decides which instance serves an invocation (one runtime shared by
// several processes would hand invocations to whichever polls first, and the
// Go SDK polls again while it is still busy).
//
// fcrt.StartProcess is not used because it keeps the *exec.Cmd to itself,
// and the peak memory of the process is read from its rusage after Wait.
type instance struct {
	rt  *fcrt.Runtime
	srv *http.Server
	cmd *exec.Cmd

	started time.Time
	stdout  lockedBuffer
	stderr  lockedBuffer
	done    chan struct{}
	once    sync.Once
	peak    int64
	// crashed is set by stop when the process had already ended by itself.
	crashed bool
}

// startInstance runs binary against a new runtime API with only env (plus
// FC_RUNTIME_API) in its environment, as Function Compute does.
func startInstance(binary string, env []string) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	in := &instance{rt: fcrt.New(), done: make(chan struct{})}
	in.srv = &http.Server{Handler: in.rt, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.srv.Serve(ln) }()

	in.cmd = exec.Command(binary)
	in.cmd.Env = append(append([]string{}, env...), "FC_RUNTIME_API="+ln.Addr().String())
	in.cmd.Stdout, in.cmd.Stderr = &in.stdout, &in.stderr
	in.started = time.Now()
	if err := in.cmd.Start(); err != nil {
		_ = in.srv.Close()
		return nil, err
	}
	go func() {
		_ = in.cmd.Wait() // killed is the normal end
		close(in.done)
	}()
	return in, nil
}

// invoke delivers one payload and waits for the answer.
func (in *instance) invoke(ctx context.Context, payload []byte, timeout time.Duration) (fcrt.Result, error) {
	return in.rt.Invoke(ctx, fcrt.Invocation{
		Payload: payload,
		Timeout: timeout,
		Credentials: fcrt.Credentials{
			AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken,
		},
		AccountID: owner,
		Region:    region,
		MemoryMB:  128,
	})
}

// exited reports whether the process has ended.
func (in *instance) exited() bool {
	select {
	case <-in.done:
		return true
	default:
		return false
	}
}

// stop kills the process (the SDK never exits on its own), then closes its
// runtime API; it returns the process's peak resident memory in bytes, 0
// where the platform does not tell. The peak is VmHWM, read just before the
// kill: ru_maxrss after Wait is no good on Linux, where it also counts the
// parent's memory that the child shared between fork and exec (os/exec
// forks with CLONE_VM), so every child would seem as large as the harness.
func (in *instance) stop() int64 {
	in.once.Do(func() {
		in.crashed = in.exited()
		hwm := vmHWM(in.cmd.Process.Pid)
		_ = in.cmd.Process.Kill()
		<-in.done
		in.peak = hwm
		if in.peak == 0 {
			in.peak = peakRSS(in.cmd.ProcessState)
		}
		in.rt.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := in.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = in.srv.Close()
		}
	})
	return in.peak
}

// panics returns the lines of the process's stderr that mention a panic.
func (in *instance) panics() []string {
	var out []string
	for _, line := range strings.Split(in.stderr.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") {
			out = append(out, line)
		}
	}
	return out
}

// lockedBuffer is a bytes.Buffer the process's output copier writes while
// the harness reads it.
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
