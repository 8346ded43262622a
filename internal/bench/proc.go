package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
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
type instance struct {
	rt   *fcrt.Runtime
	srv  *http.Server
	proc *fcrt.Process

	started time.Time
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
	in := &instance{rt: fcrt.New()}
	in.srv = &http.Server{Handler: in.rt, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.srv.Serve(ln) }()

	in.started = time.Now()
	if in.proc, err = fcrt.StartProcess(context.Background(), binary, ln.Addr().String(), env); err != nil {
		_ = in.srv.Close()
		return nil, err
	}
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
	case <-in.proc.Done():
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
		hwm := vmHWM(in.proc.Pid())
		in.proc.Stop()
		in.peak = hwm
		if in.peak == 0 {
			in.peak = peakRSS(in.proc.ProcessState())
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
	for _, line := range strings.Split(in.proc.Stderr(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") {
			out = append(out, line)
		}
	}
	return out
}
