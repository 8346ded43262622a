package handler

import (
	"context"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

// Invoke is the Function Compute entry point (fc.Start(h.Invoke)): it takes
// the invocation's identity and STS credentials from the runtime's context
// and serves the raw payload.
func (h *Handler) Invoke(ctx context.Context, payload []byte) (Summary, error) {
	var inv Invocation
	if fc, ok := fccontext.FromContext(ctx); ok {
		inv = Invocation{
			RequestID: fc.RequestID,
			AccountID: fc.AccountId,
			Region:    fc.Region,
			Credentials: Credentials{
				AccessKeyID:     fc.Credentials.AccessKeyId,
				AccessKeySecret: fc.Credentials.AccessKeySecret,
				SecurityToken:   fc.Credentials.SecurityToken,
			},
		}
	}
	return h.Handle(ctx, inv, payload)
}
