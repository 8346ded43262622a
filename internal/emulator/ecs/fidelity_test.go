package ecs_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// TestModifyRaisedQuota: the world's shareQuota is the per-image quota the
// emulator enforces, 50 by default.
func TestModifyRaisedQuota(t *testing.T) {
	e := newEnv(t, func(w *world.World) { w.ShareQuota = 55 })
	e.svc.PutImage(world.Image{ID: "m-big", SharedWith: accts(1, 50)})
	c := e.client(t)
	if err := modify(c, "m-big", accts(51, 55), nil); err != nil {
		t.Fatalf("up to the raised quota of 55: %v", err)
	}
	serverError(t, modify(c, "m-big", []string{acct(56)}, nil), 403, "QuotaExceed.ShareImageUser")
	if n := len(e.svc.SharedWith("m-big")); n != 55 {
		t.Errorf("shared with %d, want 55", n)
	}
}

// TestPerAccountMessages: InvalidAccount.NotFound and
// InvalidImageId.BidMismatch in both wordings the references give, chosen by
// the world's accountInMessage.
func TestPerAccountMessages(t *testing.T) {
	const (
		unknown   = "2999999999999999"
		otherSite = "5000000000000001"
	)
	tests := []struct {
		name    string
		named   bool
		account string
		status  int
		code    string
		message string
	}{
		{"unknown, seed wording", false, unknown, 404, "InvalidAccount.NotFound", `The specified parameter AddAccount.n or RemoveAccount.n does not exist.`},
		{"unknown, current wording", true, unknown, 404, "InvalidAccount.NotFound", `The specified account 2999999999999999 in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`},
		{"other site, older wording", false, otherSite, 403, "InvalidImageId.BidMismatch", "Cannot share image with other bid user."},
		{"other site, current wording", true, otherSite, 403, "InvalidImageId.BidMismatch", "Cannot share the image with users 5000000000000001 of other sites."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) {
				w.AccountInMessage = tt.named
				w.OtherSiteAccounts = []string{otherSite}
			})
			se := serverError(t, modify(e.client(t), "m-golden", []string{acct(3), tt.account}, nil), tt.status, tt.code)
			if se.Message() != tt.message {
				t.Errorf("message %q, want %q", se.Message(), tt.message)
			}
			if got := e.svc.SharedWith("m-golden"); len(got) != 1 {
				t.Errorf("a refused call changed the shares: %v", got)
			}
		})
	}
}

// TestAliyunIDAsNumber: the world's aliyunIdType picks the JSON type of
// AliyunId; digits are written exactly, whatever their size.
func TestAliyunIDAsNumber(t *testing.T) {
	for _, tt := range []struct{ typ, want string }{
		{world.AliyunIDString, `"AliyunId":"2000000000000002"`},
		{world.AliyunIDNumber, `"AliyunId":2000000000000002`},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) { w.AliyunIDType = tt.typ })
			p := commonParams("DescribeImageSharePermission")
			p.Set("ImageId", "m-golden")
			r := e.raw(t, http.MethodPost, p)
			if r.status != 200 || !bytes.Contains(r.body, []byte(tt.want)) {
				t.Errorf("%d %s, want it to hold %s", r.status, r.body, tt.want)
			}
			p = commonParams("DescribeImageSharePermission")
			p.Set("ImageId", "m-golden")
			p.Set("Format", "XML")
			if x := e.raw(t, http.MethodPost, p); !strings.Contains(string(x.body), "<AliyunId>2000000000000002</AliyunId>") {
				t.Errorf("XML answer %s", x.body)
			}
		})
	}
}
