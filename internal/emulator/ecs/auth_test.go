package ecs_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// TestRawClients proves a client that is not the Go SDK works: GET with a
// query string, POST with a form body, POST split across both, each signed
// per the documentation with its own method.
func TestRawClients(t *testing.T) {
	e := newEnv(t, nil)
	t.Run("GET query", func(t *testing.T) {
		p := commonParams("DescribeImages")
		p.Set("ImageId", "m-golden")
		r := e.raw(t, http.MethodGet, p)
		if r.status != 200 || r.json["TotalCount"] != float64(1) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("POST form body", func(t *testing.T) {
		p := commonParams("ModifyImageSharePermission")
		p.Set("ImageId", "m-golden")
		p.Set("AddAccount.1", acct(3))
		p.Set("Tag", "a value with spaces, * and ~ to encode") // unused, but signed
		r := e.raw(t, http.MethodPost, p)
		if r.status != 200 || r.json["RequestId"] == "" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := e.svc.SharedWith("m-golden"); len(got) != 2 {
			t.Errorf("shares %v", got)
		}
	})
	t.Run("POST split between query and body", func(t *testing.T) {
		p := commonParams("DescribeImageSharePermission")
		p.Set("ImageId", "m-golden")
		sign(http.MethodPost, p, akSecret)
		query := url.Values{}
		for _, k := range []string{"Action", "Signature", "Timestamp"} {
			query[k] = p[k]
			p.Del(k)
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+query.Encode(), strings.NewReader(p.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r := do(t, req); r.status != 200 || r.json["TotalCount"] != float64(2) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("signed as GET, sent as POST", func(t *testing.T) {
		p := commonParams("DescribeImages")
		sign(http.MethodGet, p, akSecret)
		wantRawError(t, e.send(t, http.MethodPost, p), 400, "SignatureDoesNotMatch")
	})
	t.Run("XML format", func(t *testing.T) {
		p := commonParams("DescribeImageSharePermission")
		p.Set("ImageId", "m-golden")
		p.Set("Format", "XML")
		r := e.raw(t, http.MethodGet, p)
		var body struct {
			XMLName  xml.Name
			ImageID  string   `xml:"ImageId"`
			Accounts []string `xml:"Accounts>Account>AliyunId"`
		}
		if err := xml.Unmarshal(r.body, &body); err != nil || r.status != 200 ||
			body.XMLName.Local != "DescribeImageSharePermissionResponse" || body.ImageID != "m-golden" || len(body.Accounts) != 2 {
			t.Fatalf("%v %d %s", err, r.status, r.body)
		}
	})
	t.Run("XML error", func(t *testing.T) {
		p := commonParams("DescribeImageSharePermission")
		p.Set("ImageId", "m-nope")
		p.Set("Format", "XML")
		r := e.raw(t, http.MethodGet, p)
		var body struct {
			XMLName xml.Name
			Code    string
		}
		if err := xml.Unmarshal(r.body, &body); err != nil || r.status != 404 ||
			body.XMLName.Local != "Error" || body.Code != "InvalidImageId.NotFound" {
			t.Fatalf("%v %d %s", err, r.status, r.body)
		}
	})
}

// TestSignatureDoesNotMatchWithSDK checks the message carries the server's
// string to sign in the form the SDK parses: the SDK then finds it equal to
// its own and tells the user the secret is wrong.
func TestSignatureDoesNotMatchWithSDK(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t, func(cfg *ecsclient.Config) { cfg.AccessKeySecret = "wrong-secret" })
	_, err := describe(t, c, nil)
	se := serverError(t, err, 400, "SignatureDoesNotMatch")
	if !strings.Contains(se.Message(), "server string to sign is:POST&%2F&") {
		t.Errorf("message %q", se.Message())
	}
	if se.Recommend() != "InvalidAccessKeySecret: Please check you AccessKeySecret" {
		t.Errorf("the SDK did not match its string to sign with ours: %q", se.Recommend())
	}
	if n := e.inj.Counts()["DescribeImages"]; n != 0 {
		t.Errorf("an unauthenticated call was counted: %d", n)
	}
}

func TestAuthErrors(t *testing.T) {
	e := newEnv(t, nil)
	now := time.Now().UTC()
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		code   string
		inMsg  string
	}{
		{"unknown access key", func(p url.Values) { p.Set("AccessKeyId", "LTAI-other") }, 400, "InvalidAccessKeyId.NotFound", ""},
		{"stale timestamp", func(p url.Values) { p.Set("Timestamp", now.Add(-16*time.Minute).Format("2006-01-02T15:04:05Z")) }, 400, "InvalidTimeStamp.Expired", ""},
		{"future timestamp", func(p url.Values) { p.Set("Timestamp", now.Add(16*time.Minute).Format("2006-01-02T15:04:05Z")) }, 400, "InvalidTimeStamp.Expired", ""},
		{"malformed timestamp", func(p url.Values) { p.Set("Timestamp", now.Format(time.RFC1123)) }, 400, "InvalidTimeStamp.Format", ""},
		{"signature method", func(p url.Values) { p.Set("SignatureMethod", "HMAC-SHA256") }, 400, "InvalidParameter", "SignatureMethod"},
		{"signature version", func(p url.Values) { p.Set("SignatureVersion", "2.0") }, 400, "InvalidParameter", "SignatureVersion"},
		{"version", func(p url.Values) { p.Set("Version", "2016-03-14") }, 400, "InvalidParameter", "Version"},
		{"format", func(p url.Values) { p.Set("Format", "YAML") }, 400, "InvalidParameter", "Format"},
		{"unknown action", func(p url.Values) { p.Set("Action", "DeleteImage") }, 404, "InvalidAction.NotFound", ""},
		{"unexpected security token", func(p url.Values) { p.Set("SecurityToken", "tok") }, 400, "InvalidSecurityToken.MismatchWithAccessKey", ""},
	}
	for _, k := range []string{"Action", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Version"} {
		tests = append(tests, struct {
			name   string
			edit   func(url.Values)
			status int
			code   string
			inMsg  string
		}{"missing " + k, func(p url.Values) { p.Del(k) }, 400, "MissingParameter", k})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := commonParams("DescribeImages")
			tt.edit(p)
			sign(http.MethodGet, p, akSecret)
			if tt.name == "missing Signature" {
				p.Del("Signature")
			}
			r := e.send(t, http.MethodGet, p)
			wantRawError(t, r, tt.status, tt.code)
			if msg, _ := r.json["Message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not name %s", msg, tt.inMsg)
			}
		})
	}
	if n := len(e.inj.Counts()); n != 0 {
		t.Errorf("rejected calls were counted: %v", e.inj.Counts())
	}
}

func TestReplayedNonce(t *testing.T) {
	e := newEnv(t, nil)
	p := commonParams("DescribeImages")
	sign(http.MethodGet, p, akSecret)
	if r := e.send(t, http.MethodGet, p); r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	wantRawError(t, e.send(t, http.MethodGet, p), 400, "SignatureNonceUsed")
	if n := e.inj.Counts()["DescribeImages"]; n != 1 {
		t.Errorf("counted %d calls, want the authenticated one only", n)
	}
}

func TestSecurityToken(t *testing.T) {
	e := newEnv(t, func(w *world.World) { w.Credentials.SecurityToken = "sts-token" })
	tests := []struct {
		name, token string
		code        string
	}{
		{"right token", "sts-token", ""},
		{"no token", "", "InvalidSecurityToken.Malformed"},
		{"another token", "other-token", "InvalidSecurityToken.MismatchWithAccessKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t, func(cfg *ecsclient.Config) { cfg.SecurityToken = tt.token })
			_, err := describe(t, c, nil)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			serverError(t, err, 400, tt.code)
		})
	}
}

func TestResponseEnvelope(t *testing.T) {
	e := newEnv(t, nil)
	uuid := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	seen := map[string]bool{}
	for range 3 {
		for _, id := range []string{"m-golden", "m-nope"} {
			p := commonParams("DescribeImageSharePermission")
			p.Set("ImageId", id)
			r := e.raw(t, http.MethodGet, p)
			rid, _ := r.json["RequestId"].(string)
			if !uuid.MatchString(rid) || seen[rid] {
				t.Errorf("RequestId %q is not a fresh upper-case UUID", rid)
			}
			seen[rid] = true
		}
	}
	t.Run("a parameter given twice", func(t *testing.T) {
		p := commonParams("DescribeImages")
		sign(http.MethodGet, p, akSecret)
		p.Add("ImageId", "m-1")
		p.Add("ImageId", "m-2")
		wantRawError(t, e.send(t, http.MethodGet, p), 400, "InvalidParameter")
	})
	t.Run("another path", func(t *testing.T) {
		p := commonParams("DescribeImages")
		sign(http.MethodGet, p, akSecret)
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/images?"+p.Encode(), nil)
		wantRawError(t, do(t, req), 404, "InvalidAction.NotFound")
	})
	t.Run("the SDK gets its request id", func(t *testing.T) {
		resp, err := e.client(t).DescribeImages(sdkecs.CreateDescribeImagesRequest())
		if err != nil || !uuid.MatchString(resp.RequestId) {
			t.Errorf("%v %q", err, resp.RequestId)
		}
	})
}
