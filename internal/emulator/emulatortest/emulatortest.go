// Package emulatortest starts the emulator for a test, as net/http/httptest
// starts a server: on a free port of 127.0.0.1, shut down when the test ends.
package emulatortest

import (
	"context"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Serve starts an emulator of w for the length of t. Emulated time moves
// only on Advance.
func Serve(t testing.TB, w *world.World) *emulator.Server {
	t.Helper()
	srv, err := emulator.Listen(emulator.New(w, emulator.Options{}), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("emulator shutdown: %v", err)
		}
	})
	return srv
}
