package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
)

// runEmulate serves the emulator until ctx ends (SIGINT or SIGTERM in main).
func runEmulate(ctx context.Context, args []string, env Env) int {
	fl := flag.NewFlagSet("emulate", flag.ContinueOnError)
	listen := fl.String("listen", "127.0.0.1:0", "address to listen on")
	worldPath := fl.String("world", "", "world file (default: the embedded demo world)")
	if err := parseFlags(fl, args, env.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "emulate: %v\n", err)
		return 2
	}
	w, err := loadWorld(*worldPath, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "emulate: %v\n", err)
		return 1
	}
	srv, err := emulator.Listen(emulator.New(w, emulator.Options{Running: true}), *listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "emulate: %v\n", err)
		return 1
	}
	// The address line is the contract scripts wait for: print it first, alone.
	fmt.Fprintf(env.Stdout, "listening on %s\n", srv.URL())
	fmt.Fprintf(env.Stderr, "ECS: %s/?Action=...  MNS: %s/queues/..., %s/topics/...  (region %s, owner %s, access key %s)\n",
		srv.URL(), srv.URL(), srv.URL(), w.Region, w.Owner, w.Credentials.AccessKeyID)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(env.Stderr, "emulate: shutdown: %v\n", err)
		return 1
	}
	fmt.Fprintln(env.Stderr, "emulate: stopped")
	return 0
}
