package ledger

import (
	"context"
	"time"
)

// A Step is something to do once, however many deliveries ask for it:
// queueing a chain's next attempt, working an attempt. Two records make it.
// The claim is held by the one delivery doing the step, under a lease so
// that a holder that was stopped does not block the step for ever. The
// taken record says, for good, that the step was done. A claim alone
// cannot say both: the claim of a holder that finished would lapse like
// that of one that was stopped, and the step would be done again.
type Step struct {
	Ledger Ledger
	// Claim and Taken are the keys of the two records.
	Claim, Taken string
}

// State is what TryClaim found.
type State int

const (
	// Won: this delivery holds the claim and the step is not taken: it
	// does the step, then calls Done, or Release if it could not.
	Won State = iota
	// Held: another delivery holds the claim and has not recorded the step
	// taken: it is still at it, or it was stopped and its claim has not
	// lapsed yet.
	Held
	// Taken: the step was done.
	Taken
)

func (s State) String() string {
	return [...]string{"won", "held", "taken"}[s]
}

// TryClaim claims the step, taking over a claim older than lease. An error
// means the claim could not be made, and the state is not known. The taken
// record is read whether or not the claim was won (a claim can be won from
// a lapsed holder that finished); when it cannot be read the step counts
// as not taken.
func (s Step) TryClaim(ctx context.Context, lease time.Duration) (State, error) {
	won, err := s.Ledger.Claim(ctx, s.Claim, lease)
	if err != nil {
		return Held, err
	}
	if taken, err := s.Ledger.Has(ctx, s.Taken); err == nil && taken {
		return Taken, nil
	}
	if won {
		return Won, nil
	}
	return Held, nil
}

// IsTaken reports whether the step was recorded taken.
func (s Step) IsTaken(ctx context.Context) (bool, error) {
	return s.Ledger.Has(ctx, s.Taken)
}

// Done records the step taken. The claim is left to lapse: it costs
// nothing, and a delivery that finds it also finds the record.
func (s Step) Done(ctx context.Context) error {
	_, err := s.Ledger.Claim(ctx, s.Taken, 0)
	return err
}

// Release gives the claim back, for a step that could not be done, so that
// another delivery can claim it at once.
func (s Step) Release(ctx context.Context) error {
	return s.Ledger.Release(ctx, s.Claim)
}
