package ecs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// documented lists every code of reference/ecs-rpc.md (the three calls and
// the common ones) and the seed document with the status they document.
// Where the two disagree the current reference wins (InvalidImageId.NotFound:
// 404, not the seed's 403).
var documented = []struct {
	code   string
	status int
}{
	// Common.
	{"Throttling", 400}, {"Throttling.User", 400}, {"Throttling.Api", 400},
	{"InvalidParameter", 400}, {"InvalidAccessKeyId.NotFound", 400},
	{"InvalidTimeStamp.Expired", 400}, {"SignatureNonceUsed", 400},
	{"Forbidden", 403}, {"Forbidden.RAM", 403}, {"NoPermission", 403}, {"SignatureDoesNotMatch", 400},
	{"InternalError", 500}, {"ServiceUnavailable", 503},
	// ModifyImageSharePermission, current reference.
	{"MissingParameter", 400}, {"InvalidGroup.Malformed", 400}, {"UnnecessaryParameter.LaunchPermission", 400},
	{"InvalidParameter.LaunchPermission", 400}, {"ForbiddenParameter.LaunchPermission", 400},
	{"AssumeRoleError", 403}, {"ImageDescription.ContainsSensitiveWords", 403}, {"ImageName.ContainsSensitiveWords", 403},
	{"Image.Public", 403}, {"CurrentRegion.NotSupportPublicImage", 403}, {"Image.NotPublic", 403},
	{"OperationDeined.FullImage", 403}, {"QuotaExceed.ShareImage", 403}, {"QuotaExceed.ShareImageUser", 403},
	{"InvalidImageId.BidMismatch", 403}, {"OperationDeined.EncryptedSnapshot", 403},
	{"OperationDenied.InvalidImageStatus", 403}, {"PublicImageAgreement.NotSigned", 403},
	{"InvalidParameter.IsPublic", 403}, {"InvalidParameter.KMSKeyId.CMKUnauthorized", 403},
	{"InvalidParameter.KMSKeyId.CMKNotEnabled", 403}, {"InvalidOperation.ServiceKeyEncryptedImageUnsupported", 403},
	{"InvalidImageId.NotFound", 404}, {"InvalidAccount.NotFound", 404}, {"InvalidAccount.Forbbiden", 404},
	// Older editions and the seed.
	{"IncorrectImageStatus", 400}, {"InvalidRegionId.NotFound", 400},
}

// TestEveryDocumentedCodeByFault injects each code and checks the SDK sees
// it with its documented status as a *errors.ServerError.
func TestEveryDocumentedCodeByFault(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	for _, d := range documented {
		t.Run(d.code, func(t *testing.T) {
			if status, ok := ecs.ErrorStatus(d.code); !ok || status != d.status {
				t.Errorf("ErrorStatus(%s) = %d, %v", d.code, status, ok)
			}
			e.inj.Add(world.Fault{API: "ModifyImageSharePermission", Code: d.code})
			err := modify(c, "m-golden", []string{acct(3)}, nil)
			se := serverError(t, err, d.status, d.code)
			if se.RequestId() == "" || se.Message() == "" {
				t.Errorf("request id %q message %q", se.RequestId(), se.Message())
			}
		})
	}
	if got := e.svc.SharedWith("m-golden"); !slices.Equal(got, []string{acct(2)}) {
		t.Errorf("a failed call changed the shares: %v", got)
	}
	if n := len(e.svc.ModifyLog()); n != 0 {
		t.Errorf("%d failed calls logged", n)
	}
	if err := modify(c, "m-golden", []string{acct(3)}, nil); err != nil {
		t.Errorf("faults were not used up: %v", err)
	}
}

func TestFaultMatching(t *testing.T) {
	e := newEnv(t, func(w *world.World) {
		w.Faults = []world.Fault{
			{API: "ModifyImageSharePermission", Code: "Throttling", Times: 2, After: 1, ImageID: "m-cmk"},
			{API: "DescribeImages", Code: "NotAKnownCode", Status: 502},
		}
	})
	c := e.client(t)
	var got []string
	for range 4 {
		err := modify(c, "m-cmk", []string{acct(3)}, nil)
		var se *sdkerrors.ServerError
		switch {
		case err == nil:
			got = append(got, "ok")
		case errors.As(err, &se):
			got = append(got, se.ErrorCode())
			if se.ErrorCode() == "Throttling" && se.Message() != "Request was denied due to request throttling." {
				t.Errorf("message %q", se.Message())
			}
		default:
			t.Fatal(err)
		}
	}
	if want := []string{"ok", "Throttling", "Throttling", "ok"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := modify(c, "m-golden", []string{acct(3)}, nil); err != nil {
		t.Errorf("the fault is for m-cmk only: %v", err)
	}
	_, err := describe(t, c, nil)
	serverError(t, err, 502, "NotAKnownCode")
	if n := e.inj.Counts()["ModifyImageSharePermission"]; n != 5 {
		t.Errorf("counted %d Modify calls, want 5 (failed ones included)", n)
	}
}

func TestThrottlingByRateLimit(t *testing.T) {
	e := newEnv(t, func(w *world.World) {
		// One call, then the next token in 1000 s: the second is throttled.
		w.RateLimit = &world.RateLimit{CallsPerSecond: 0.001, Burst: 1, APIs: []string{"DescribeImages"}}
	})
	c := e.client(t)
	if _, err := describe(t, c, nil); err != nil {
		t.Fatal(err)
	}
	_, err := describe(t, c, nil)
	se := serverError(t, err, 400, "Throttling")
	if se.Message() != "Request was denied due to request throttling." {
		t.Errorf("message %q", se.Message())
	}
	if err := modify(c, "m-golden", []string{acct(3)}, nil); err != nil {
		t.Errorf("each API has its own limit: %v", err)
	}
}

func TestTimeoutAndReset(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		apply  bool
		shared bool
	}{
		{"timeout, applied", world.FaultTimeout, true, true},
		{"timeout, not applied", world.FaultTimeout, false, false},
		{"reset, applied", world.FaultReset, true, true},
		{"reset, not applied", world.FaultReset, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) {
				w.Faults = []world.Fault{{API: "ModifyImageSharePermission", Code: tt.code, Apply: tt.apply}}
			})
			c := e.client(t, func(cfg *ecsclient.Config) { cfg.Timeout = 300 * time.Millisecond })
			err := modify(c, "m-golden", []string{acct(3)}, nil)
			var se *sdkerrors.ServerError
			if err == nil || errors.As(err, &se) {
				t.Fatalf("want a transport error, got %v", err)
			}
			if tt.code == world.FaultTimeout && !strings.Contains(err.Error(), "Timeout") {
				t.Errorf("want a client timeout, got %v", err)
			}
			if got := slices.Contains(e.svc.SharedWith("m-golden"), acct(3)); got != tt.shared {
				t.Errorf("shared %v, want %v", got, tt.shared)
			}
			// The next call goes through: read back, then it is a no-op or applies.
			if err := modify(c, "m-golden", []string{acct(3)}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, nil)
	e.inj.SetLatency("DescribeImages", 100*time.Millisecond)
	c := e.client(t)
	start := time.Now()
	if _, err := c.DescribeImages(sdkecs.CreateDescribeImagesRequest()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v, before the latency", d)
	}
}
