package handler

import (
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestStandingRefusal(t *testing.T) {
	err := func(code outcome.Code, retryable bool) *outcome.Error {
		return &outcome.Error{Code: code, Retryable: retryable, Account: "2000000000000001"}
	}
	tests := []struct {
		name string
		o    outcome.Outcome
		want bool
	}{
		{"service-key image", outcome.Outcome{Error: err(outcome.EncryptedImageUnsupported, false),
			Failures: []*outcome.Error{err(outcome.EncryptedImageUnsupported, false)}}, true},
		{"deprecated image", outcome.Outcome{Error: err(outcome.ImageUnavailable, false)}, true},
		{"a tag naming an unknown group", outcome.Outcome{Failures: []*outcome.Error{err(outcome.PolicyDenied, false)}}, true},
		{"nothing wrong", outcome.Outcome{}, false},
		{"something changed", outcome.Outcome{Added: []string{"2000000000000002"}, Failures: []*outcome.Error{err(outcome.PolicyDenied, false)}}, false},
		{"retryable", outcome.Outcome{Error: err(outcome.Throttled, true)}, false},
		{"a retryable failure beside a standing one", outcome.Outcome{Error: err(outcome.ImageUnavailable, false),
			Failures: []*outcome.Error{err(outcome.CloudUnavailable, true)}}, false},
		{"an account that does not exist can be created", outcome.Outcome{Failures: []*outcome.Error{err(outcome.AccountNotFound, false)}}, false},
		{"the removal guard wants a person", outcome.Outcome{Failures: []*outcome.Error{err(outcome.RemovalLimitExceeded, false)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := standingRefusal(&tt.o); got != tt.want {
				t.Errorf("standingRefusal = %v, want %v", got, tt.want)
			}
		})
	}
}
