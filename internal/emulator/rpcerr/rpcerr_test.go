package rpcerr_test

import (
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/resourcemanager"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcerr"
)

// TestEveryEndpointAnswersCommonCodesAlike: a client that handles the
// gateway's codes for one emulated RPC service handles them for the other.
func TestEveryEndpointAnswersCommonCodesAlike(t *testing.T) {
	codes := []string{"MissingParameter", "InvalidParameter", "InvalidAccessKeyId.NotFound",
		"InvalidTimeStamp.Expired", "InvalidTimeStamp.Format", "SignatureNonceUsed", "SignatureDoesNotMatch",
		"IncompleteSignature", "InvalidSecurityToken.Malformed", "InvalidSecurityToken.MismatchWithAccessKey",
		"InvalidAction.NotFound", "Throttling", "Throttling.User", "Forbidden.RAM", "InternalError", "ServiceUnavailable"}
	for _, code := range codes {
		want, _, ok := rpcerr.Common(code)
		if !ok || want == 0 {
			t.Errorf("%s: not in the common table", code)
			continue
		}
		for name, status := range map[string]func(string) (int, bool){
			"ecs": ecs.ErrorStatus, "resourcemanager": resourcemanager.ErrorStatus,
		} {
			if got, ok := status(code); !ok || got != want {
				t.Errorf("%s answers %s with %d (known %v), the gateway table with %d", name, code, got, ok, want)
			}
		}
	}
	if _, _, ok := rpcerr.Common("InvalidImageId.NotFound"); ok {
		t.Error("a service's own code is in the common table")
	}
}
