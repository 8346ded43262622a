package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/ledger"
)

// TestStep walks one step through every state, on the shared ledger with
// the service's clock moved by the emulator: a claim is held while its
// lease runs; a lapsed claim whose holder finished is not taken over into
// doing the step again; a lapsed claim whose holder never finished is.
func TestStep(t *testing.T) {
	l, srv := newOSS(t, "ledger-bucket")
	ctx := context.Background()
	const lease = 10 * time.Minute
	claim := func(s ledger.Step, want ledger.State, when string) {
		t.Helper()
		got, err := s.TryClaim(ctx, lease)
		if err != nil || got != want {
			t.Fatalf("%s: %v, %v; want %v", when, got, err, want)
		}
	}

	finished := ledger.Step{Ledger: l, Claim: "claim-a", Taken: "taken-a"}
	claim(finished, ledger.Won, "first claim")
	claim(finished, ledger.Held, "second claim, within the lease")
	if err := finished.Done(ctx); err != nil {
		t.Fatal(err)
	}
	claim(finished, ledger.Taken, "claim once done")
	srv.Advance(lease + time.Minute)
	claim(finished, ledger.Taken, "claim once done and the claim lapsed")

	stopped := ledger.Step{Ledger: l, Claim: "claim-b", Taken: "taken-b"}
	claim(stopped, ledger.Won, "first claim")
	srv.Advance(lease / 2)
	claim(stopped, ledger.Held, "claim within the lease of a holder that never finishes")
	srv.Advance(lease)
	claim(stopped, ledger.Won, "claim after the lease")
	if taken, err := stopped.IsTaken(ctx); err != nil || taken {
		t.Fatalf("IsTaken before Done: %v, %v", taken, err)
	}

	released := ledger.Step{Ledger: l, Claim: "claim-c", Taken: "taken-c"}
	claim(released, ledger.Won, "first claim")
	if err := released.Release(ctx); err != nil {
		t.Fatal(err)
	}
	claim(released, ledger.Won, "claim after a release")
}
