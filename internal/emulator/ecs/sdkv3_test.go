package ecs_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// The two signature modes of the current Go SDK (ecs-20140526/v7 on
// darabonba-openapi/v2): its default, V3 (ACS3-HMAC-SHA256 headers), and
// SignatureAlgorithm "v2", the RPC V1 HMAC-SHA1 parameters.
var sdkModes = []struct {
	name      string
	algorithm string // Config.SignatureAlgorithm; "" leaves the SDK's default
}{
	{"default ACS3-HMAC-SHA256", ""},
	{"v2", "v2"},
}

// v7Client returns the current Go SDK's ECS client for the emulator.
func (e *env) v7Client(t *testing.T, algorithm string, edit ...func(*openapiutil.Config)) *ecs7.Client {
	t.Helper()
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(akID),
		AccessKeySecret: dara.String(akSecret),
		RegionId:        dara.String(region),
		Endpoint:        dara.String(u.Host),
		Protocol:        dara.String("HTTP"),
		ReadTimeout:     dara.Int(10000),
		ConnectTimeout:  dara.Int(10000),
	}
	if algorithm != "" {
		cfg.SignatureAlgorithm = dara.String(algorithm)
	}
	for _, f := range edit {
		f(cfg)
	}
	c, err := ecs7.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pinned returns runtime options that fix the nonce and the date the SDK
// signs, where each mode carries them: V3 headers or V1 parameters.
func pinned(algorithm, nonce string, date time.Time) *dara.RuntimeOptions {
	d := date.UTC().Format("2006-01-02T15:04:05Z")
	ext := &dara.ExtendsParameters{}
	if algorithm == "v2" {
		ext.Queries = map[string]*string{"SignatureNonce": dara.String(nonce), "Timestamp": dara.String(d)}
	} else {
		ext.Headers = map[string]*string{acs3.HeaderNonce: dara.String(nonce), acs3.HeaderDate: dara.String(d)}
	}
	return &dara.RuntimeOptions{ExtendsParameters: ext}
}

// sdkError asserts err is the SDK's error with status and code.
func sdkError(t *testing.T, err error, status int, code string) *tea.SDKError {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("want SDKError %d %s, got %T %v", status, code, err, err)
	}
	if dara.IntValue(se.StatusCode) != status || dara.StringValue(se.Code) != code {
		t.Fatalf("want %d %s, got %d %s: %s", status, code, dara.IntValue(se.StatusCode), dara.StringValue(se.Code), dara.StringValue(se.Message))
	}
	return se
}

// TestCurrentSDKBothModes drives the emulator with the current Go SDK in both
// signature modes through the calls the product makes, and the refusals a
// client must be able to tell apart.
func TestCurrentSDKBothModes(t *testing.T) {
	for _, mode := range sdkModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Run("DescribeImages", func(t *testing.T) {
				e := newEnv(t, nil)
				resp, err := e.v7Client(t, mode.algorithm).DescribeImages(&ecs7.DescribeImagesRequest{
					RegionId: dara.String(region), ImageId: dara.String("m-golden"),
					Status: dara.String("Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"),
				})
				if err != nil {
					t.Fatal(err)
				}
				ims := resp.Body.Images.Image
				if dara.Int32Value(resp.Body.TotalCount) != 1 || len(ims) != 1 || dara.StringValue(ims[0].ImageId) != "m-golden" {
					t.Fatalf("%+v", resp.Body)
				}
				var tags []string
				for _, tg := range ims[0].Tags.Tag {
					tags = append(tags, dara.StringValue(tg.TagKey)+"="+dara.StringValue(tg.TagValue))
				}
				slices.Sort(tags)
				if !slices.Equal(tags, []string{"env=prod", "team=web"}) {
					t.Errorf("tags %v", tags)
				}
			})
			t.Run("DescribeImageSharePermission", func(t *testing.T) {
				e := newEnv(t, nil)
				resp, err := e.v7Client(t, mode.algorithm).DescribeImageSharePermission(&ecs7.DescribeImageSharePermissionRequest{
					RegionId: dara.String(region), ImageId: dara.String("m-golden"),
				})
				if err != nil {
					t.Fatal(err)
				}
				acc := resp.Body.Accounts.Account
				if len(acc) != 1 || dara.StringValue(acc[0].AliyunId) != acct(2) {
					t.Fatalf("%+v", resp.Body)
				}
			})
			t.Run("ModifyImageSharePermission", func(t *testing.T) {
				e := newEnv(t, nil)
				_, err := e.v7Client(t, mode.algorithm).ModifyImageSharePermission(&ecs7.ModifyImageSharePermissionRequest{
					RegionId: dara.String(region), ImageId: dara.String("m-golden"),
					AddAccount:    []*string{dara.String(acct(3)), dara.String(acct(4))},
					RemoveAccount: []*string{dara.String(acct(2))},
				})
				if err != nil {
					t.Fatal(err)
				}
				got := e.svc.SharedWith("m-golden")
				slices.Sort(got)
				if want := []string{acct(3), acct(4)}; !slices.Equal(got, want) {
					t.Errorf("shared with %v, want %v", got, want)
				}
			})
			t.Run("ListTagResources", func(t *testing.T) {
				e := newEnv(t, nil)
				resp, err := e.v7Client(t, mode.algorithm).ListTagResources(&ecs7.ListTagResourcesRequest{
					RegionId: dara.String(region), ResourceType: dara.String("image"),
					ResourceId: []*string{dara.String("m-golden")},
				})
				if err != nil {
					t.Fatal(err)
				}
				if n := len(resp.Body.TagResources.TagResource); n != 2 {
					t.Errorf("%d tags, want 2", n)
				}
			})
			t.Run("unknown image", func(t *testing.T) {
				e := newEnv(t, nil)
				_, err := e.v7Client(t, mode.algorithm).DescribeImageSharePermission(&ecs7.DescribeImageSharePermissionRequest{
					RegionId: dara.String(region), ImageId: dara.String("m-nope"),
				})
				sdkError(t, err, 404, "InvalidImageId.NotFound")
			})
			t.Run("wrong secret", func(t *testing.T) {
				e := newEnv(t, nil)
				c := e.v7Client(t, mode.algorithm, func(cfg *openapiutil.Config) { cfg.AccessKeySecret = dara.String("wrong-secret") })
				_, err := c.DescribeImages(&ecs7.DescribeImagesRequest{RegionId: dara.String(region)})
				se := sdkError(t, err, 400, "SignatureDoesNotMatch")
				wantSTS := "server string to sign is:POST&%2F&"
				if mode.algorithm == "" {
					wantSTS = "server string to sign is:" + acs3.Algorithm + "\n"
				}
				if !strings.Contains(dara.StringValue(se.Message), wantSTS) {
					t.Errorf("message %q lacks %q", dara.StringValue(se.Message), wantSTS)
				}
				if n := e.inj.Counts()["DescribeImages"]; n != 0 {
					t.Errorf("an unauthenticated call was counted: %d", n)
				}
			})
			t.Run("replayed nonce", func(t *testing.T) {
				e := newEnv(t, nil)
				c := e.v7Client(t, mode.algorithm)
				req := &ecs7.DescribeImagesRequest{RegionId: dara.String(region)}
				rt := pinned(mode.algorithm, "nonce-replayed-"+mode.name, time.Now())
				if _, err := c.DescribeImagesWithOptions(req, rt); err != nil {
					t.Fatalf("first use: %v", err)
				}
				_, err := c.DescribeImagesWithOptions(req, rt)
				sdkError(t, err, 400, "SignatureNonceUsed")
				if n := e.inj.Counts()["DescribeImages"]; n != 1 {
					t.Errorf("counted %d calls, want the authenticated one only", n)
				}
			})
			t.Run("stale date", func(t *testing.T) {
				e := newEnv(t, nil)
				_, err := e.v7Client(t, mode.algorithm).DescribeImagesWithOptions(
					&ecs7.DescribeImagesRequest{RegionId: dara.String(region)},
					pinned(mode.algorithm, "nonce-stale", time.Now().Add(-16*time.Minute)))
				sdkError(t, err, 400, "InvalidTimeStamp.Expired")
			})
			t.Run("STS token", func(t *testing.T) {
				e := newEnv(t, func(w *world.World) { w.Credentials.SecurityToken = "sts-token" })
				for _, tt := range []struct{ name, token, code string }{
					{"right token", "sts-token", ""},
					{"no token", "", "InvalidSecurityToken.Malformed"},
					{"another token", "other-token", "InvalidSecurityToken.MismatchWithAccessKey"},
				} {
					t.Run(tt.name, func(t *testing.T) {
						c := e.v7Client(t, mode.algorithm, func(cfg *openapiutil.Config) {
							if tt.token != "" {
								cfg.SecurityToken = dara.String(tt.token)
							}
						})
						_, err := c.DescribeImageSharePermission(&ecs7.DescribeImageSharePermissionRequest{
							RegionId: dara.String(region), ImageId: dara.String("m-golden"),
						})
						if tt.code == "" {
							if err != nil {
								t.Fatal(err)
							}
							return
						}
						sdkError(t, err, 400, tt.code)
					})
				}
			})
		})
	}
}

// v3Request builds a raw V3 request to the emulator: the query in the URL, a
// form body when given, the common headers, signed by acs3.Sign (itself
// checked against the SDK's signer in package acs3).
func (e *env) v3Request(t *testing.T, method, action string, query, form url.Values, secret string) *http.Request {
	t.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, e.srv.URL+"/?"+query.Encode(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	p := commonParams(action) // for a fresh nonce and the current time
	req.Header.Set(acs3.HeaderAction, action)
	req.Header.Set(acs3.HeaderVersion, "2014-05-26")
	req.Header.Set(acs3.HeaderDate, p.Get("Timestamp"))
	req.Header.Set(acs3.HeaderNonce, p.Get("SignatureNonce"))
	acs3.Sign(req, []byte(body), acs3.Credentials{AccessKeyID: akID, AccessKeySecret: secret})
	return req
}

// TestRawV3 covers what the SDK does not send: GET, parameters in a form
// body, an Action parameter beside x-acs-action, and a nonce shared across
// the two schemes.
func TestRawV3(t *testing.T) {
	e := newEnv(t, nil)
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	t.Run("GET with a query", func(t *testing.T) {
		r := do(t, e.v3Request(t, http.MethodGet, "DescribeImages", q("RegionId", region, "ImageId", "m-golden"), nil, akSecret))
		if r.status != 200 || r.json["TotalCount"] != float64(1) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("POST with a form body", func(t *testing.T) {
		r := do(t, e.v3Request(t, http.MethodPost, "ModifyImageSharePermission", q("RegionId", region),
			q("ImageId", "m-staging", "AddAccount.1", acct(5)), akSecret))
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := e.svc.SharedWith("m-staging"); !slices.Equal(got, []string{acct(5)}) {
			t.Errorf("shared with %v", got)
		}
	})
	t.Run("Action parameter that disagrees", func(t *testing.T) {
		wantRawError(t, do(t, e.v3Request(t, http.MethodGet, "DescribeImages", q("RegionId", region, "Action", "DeleteImage"), nil, akSecret)),
			400, "InvalidParameter")
	})
	t.Run("Action parameter that agrees", func(t *testing.T) {
		r := do(t, e.v3Request(t, http.MethodGet, "DescribeImages", q("RegionId", region, "Action", "DescribeImages"), nil, akSecret))
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("unknown action", func(t *testing.T) {
		wantRawError(t, do(t, e.v3Request(t, http.MethodGet, "DeleteImage", q("RegionId", region), nil, akSecret)),
			404, "InvalidAction.NotFound")
	})
	t.Run("x-acs-action without any signature", func(t *testing.T) {
		req := e.v3Request(t, http.MethodGet, "DescribeImages", q("RegionId", region), nil, akSecret)
		req.Header.Del("Authorization")
		r := do(t, req)
		wantRawError(t, r, 400, "MissingParameter")
		if !strings.Contains(r.json["Message"].(string), "Authorization") {
			t.Errorf("message %s", r.body)
		}
	})
	t.Run("body changed in transit", func(t *testing.T) {
		req := e.v3Request(t, http.MethodPost, "DescribeImages", q("RegionId", region), q("ImageId", "m-golden"), akSecret)
		req.Body, req.ContentLength = http.NoBody, 0
		wantRawError(t, do(t, req), 400, "InvalidParameter")
	})
	t.Run("V1 nonce replayed as V3", func(t *testing.T) {
		p := commonParams("DescribeImages")
		if r := e.raw(t, http.MethodGet, p); r.status != 200 {
			t.Fatalf("V1: %d %s", r.status, r.body)
		}
		req := e.v3Request(t, http.MethodGet, "DescribeImages", q("RegionId", region), nil, akSecret)
		req.Header.Set(acs3.HeaderNonce, p.Get("SignatureNonce"))
		acs3.Sign(req, nil, acs3.Credentials{AccessKeyID: akID, AccessKeySecret: akSecret})
		wantRawError(t, do(t, req), 400, "SignatureNonceUsed")
	})
}

// TestV3CodesAgree: the codes acs3.Verify answers carry, through the ECS
// endpoint, the status acs3 documents for them.
func TestV3CodesAgree(t *testing.T) {
	for code, status := range acs3.Codes() {
		if got, ok := ecs.ErrorStatus(code); !ok || got != status {
			t.Errorf("%s: ECS answers %d (known %v), acs3 says %d", code, got, ok, status)
		}
	}
}
