package resourcemanager_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/resourcemanager"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

const (
	owner  = "1000000000000001"
	akID   = "AK"
	secret = "SK"
)

func testWorld() *world.World {
	return &world.World{
		Owner:       owner,
		Credentials: world.Credentials{AccessKeyID: akID, AccessKeySecret: secret},
		ResourceDirectory: &world.ResourceDirectory{
			ManagementAccount:       owner,
			DelegatedAdministrators: []string{"2000000000000009"},
			Accounts:                []world.DirectoryAccount{{ID: "2000000000000009"}},
			Folders: []world.Folder{
				{ID: "fd-appsfolder", Name: "apps", Accounts: []world.DirectoryAccount{
					{ID: "2100000000000003"}, {ID: "2100000000000001"}, {ID: "2100000000000002", Status: "InviteSuccess"},
				}, Folders: []world.Folder{{ID: "fd-appsweb001", Name: "web"}}},
			},
		},
	}
}

// server is the whole emulator, so routing by Version is exercised too.
func server(t *testing.T, w *world.World) *httptest.Server {
	t.Helper()
	e := emulator.New(w, emulator.Options{})
	srv := httptest.NewServer(e)
	t.Cleanup(func() { e.Close(); srv.Close() })
	return srv
}

var nonce atomic.Int64

// signed returns the common parameters plus extra, signed for method.
func signed(method string, extra map[string]string) url.Values {
	p := map[string]string{
		"Action": resourcemanager.ActionListAccounts, "Version": resourcemanager.APIVersion, "Format": "JSON",
		"AccessKeyId": akID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": "n-" + strconv.FormatInt(nonce.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 10),
		"Timestamp":      time.Now().UTC().Format(rpcv1.TimestampLayout),
	}
	for k, v := range extra {
		if v == "" {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	p["Signature"] = rpcv1.Sign(method, p, secret)
	v := url.Values{}
	for k, s := range p {
		v.Set(k, s)
	}
	return v
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func get(t *testing.T, srv *httptest.Server, v url.Values) answer {
	t.Helper()
	resp, err := http.Get(srv.URL + "/?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func TestErrors(t *testing.T) {
	srv := server(t, testWorld())
	for _, tc := range []struct {
		name   string
		params map[string]string
		tamper func(url.Values)
		status int
		code   string
	}{
		{name: "bad signature", tamper: func(v url.Values) { v.Set("Signature", "AAAA") }, status: 400, code: "SignatureDoesNotMatch"},
		{name: "unknown key", params: map[string]string{"AccessKeyId": "other"}, status: 400, code: "InvalidAccessKeyId.NotFound"},
		{name: "missing nonce", params: map[string]string{"SignatureNonce": ""}, status: 400, code: "MissingParameter"},
		{name: "old timestamp", params: map[string]string{"Timestamp": time.Now().Add(-time.Hour).UTC().Format(rpcv1.TimestampLayout)}, status: 400, code: "InvalidTimeStamp.Expired"},
		{name: "unknown action", params: map[string]string{"Action": "DeleteFolder"}, status: 404, code: "InvalidAction.NotFound"},
		{name: "malformed folder id", params: map[string]string{"ParentFolderId": "fd-short"}, status: 400, code: "InvalidParameter.ParentFolderId"},
		{name: "unknown folder", params: map[string]string{"ParentFolderId": "fd-nosuchfold"}, status: 404, code: "EntityNotExists.Folder"},
		{name: "page size too big", params: map[string]string{"PageSize": "101"}, status: 400, code: "InvalidParameter"},
		{name: "page number zero", params: map[string]string{"Action": resourcemanager.ActionListFolders, "PageNumber": "0"}, status: 400, code: "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := signed(http.MethodGet, tc.params)
			if tc.tamper != nil {
				tc.tamper(v)
			}
			a := get(t, srv, v)
			if a.status != tc.status || a.body["Code"] != tc.code || a.body["RequestId"] == "" {
				t.Errorf("got %d %s, want %d %s", a.status, a.raw, tc.status, tc.code)
			}
		})
	}
}

func TestCallerMustAdministerTheDirectory(t *testing.T) {
	for _, tc := range []struct {
		name, caller string
		status       int
		code         string
	}{
		{"management account", owner, 200, ""},
		{"delegated administrator", "2000000000000009", 200, ""},
		{"a member", "2100000000000001", 403, "MemberAccountAccessDenied"},
		{"outside the directory", "9000000000000001", 404, "EntityNotExists.ResourceDirectory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld()
			w.Owner = tc.caller
			a := get(t, server(t, w), signed(http.MethodGet, nil))
			if a.status != tc.status || tc.code != "" && a.body["Code"] != tc.code {
				t.Errorf("got %d %s, want %d %s", a.status, a.raw, tc.status, tc.code)
			}
		})
	}
	w := testWorld()
	w.ResourceDirectory = nil
	if a := get(t, server(t, w), signed(http.MethodGet, nil)); a.status != 404 || a.body["Code"] != "EntityNotExists.ResourceDirectory" {
		t.Errorf("no directory: %d %s", a.status, a.raw)
	}
}

func TestPagingAndOrder(t *testing.T) {
	srv := server(t, testWorld())
	var ids []string
	for page := 1; page <= 3; page++ {
		a := get(t, srv, signed(http.MethodGet, map[string]string{"ParentFolderId": "fd-appsfolder", "PageSize": "2", "PageNumber": strconv.Itoa(page)}))
		if a.status != 200 || a.body["TotalCount"] != float64(3) || a.body["PageNumber"] != float64(page) {
			t.Fatalf("page %d: %d %s", page, a.status, a.raw)
		}
		accounts := a.body["Accounts"].(map[string]any)["Account"].([]any)
		for _, x := range accounts {
			m := x.(map[string]any)
			ids = append(ids, m["AccountId"].(string)+"/"+m["Status"].(string))
		}
		if page == 3 && len(accounts) != 0 {
			t.Errorf("page past the end holds %v", accounts)
		}
	}
	want := "2100000000000001/CreateSuccess 2100000000000002/InviteSuccess 2100000000000003/CreateSuccess"
	if strings.Join(ids, " ") != want {
		t.Errorf("accounts %v, want %s (by id, over two pages)", ids, want)
	}

	// No ParentFolderId: the root. Its members: the management account and
	// the administrator; its folders: apps.
	a := get(t, srv, signed(http.MethodGet, nil))
	if a.body["TotalCount"] != float64(2) {
		t.Errorf("root accounts: %s", a.raw)
	}
	a = get(t, srv, signed(http.MethodGet, map[string]string{"Action": resourcemanager.ActionListFolders}))
	folders := a.body["Folders"].(map[string]any)["Folder"].([]any)
	if len(folders) != 1 || folders[0].(map[string]any)["FolderId"] != "fd-appsfolder" {
		t.Errorf("root folders: %s", a.raw)
	}
}

// TestFormBodyRoutedByVersion: a client that sends every parameter in a POST
// form body (no query string) still reaches ResourceManager, not ECS.
func TestFormBodyRoutedByVersion(t *testing.T) {
	srv := server(t, testWorld())
	v := signed(http.MethodPost, map[string]string{"Action": resourcemanager.ActionListFolders, "ParentFolderId": "fd-appsfolder", "Format": "XML"})
	resp, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	a := read(t, resp)
	if a.status != 200 || !strings.Contains(a.raw, "<ListFoldersForParentResponse>") || !strings.Contains(a.raw, "<FolderId>fd-appsweb001</FolderId>") {
		t.Errorf("got %d %s", a.status, a.raw)
	}
}

// TestNonceSharedWithECS: a nonce used on ResourceManager cannot be replayed.
func TestNonceReplay(t *testing.T) {
	srv := server(t, testWorld())
	v := signed(http.MethodGet, nil)
	if a := get(t, srv, v); a.status != 200 {
		t.Fatalf("first: %d %s", a.status, a.raw)
	}
	if a := get(t, srv, v); a.status != 400 || a.body["Code"] != "SignatureNonceUsed" {
		t.Errorf("replay: %d %s", a.status, a.raw)
	}
}

func TestDirectoryChanges(t *testing.T) {
	w := testWorld()
	d := resourcemanager.NewDirectory(w.ResourceDirectory, time.Unix(0, 0))
	if err := d.Join("2100000000000009", "fd-appsweb001", time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if got := d.Accounts("fd-appsweb001"); len(got) != 1 || got[0].ID != "2100000000000009" || got[0].Status != "CreateSuccess" {
		t.Errorf("after Join: %+v", got)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"join an unknown folder", d.Join("2100000000000008", "fd-nosuchfold", time.Unix(0, 0))},
		{"leave twice", func() error { _ = d.Leave("2100000000000009"); return d.Leave("2100000000000009") }()},
		{"management account leaves", d.Leave(owner)},
		{"unknown status", d.SetStatus("2100000000000001", "Happy")},
		{"status of a stranger", d.SetStatus("9000000000000001", "CreateSuccess")},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if err := d.SetStatus("2100000000000001", "CreateFailed"); err != nil || d.Accounts("fd-appsfolder")[0].Status != "CreateFailed" {
		t.Errorf("SetStatus: %v %+v", err, d.Accounts("fd-appsfolder"))
	}
	if resourcemanager.NewDirectory(nil, time.Unix(0, 0)) != nil {
		t.Error("a world without a directory has none")
	}
}

// TestV3Signature: the endpoint verifies V3 (ACS3-HMAC-SHA256), the current
// SDKs' default, with the verifier the ECS endpoint uses.
func TestV3Signature(t *testing.T) {
	srv := server(t, testWorld())
	send := func(t *testing.T, secret, nonce string) answer {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/?ParentFolderId=fd-appsfolder", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(acs3.HeaderAction, resourcemanager.ActionListFolders)
		req.Header.Set(acs3.HeaderVersion, resourcemanager.APIVersion)
		req.Header.Set(acs3.HeaderDate, time.Now().UTC().Format(rpcv1.TimestampLayout))
		req.Header.Set(acs3.HeaderNonce, nonce)
		acs3.Sign(req, nil, acs3.Credentials{AccessKeyID: akID, AccessKeySecret: secret})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return read(t, resp)
	}
	if a := send(t, secret, "v3-nonce-1"); a.status != 200 || a.body["RequestId"] == "" {
		t.Fatalf("signed call: %d %s", a.status, a.raw)
	}
	for _, tc := range []struct{ name, secret, nonce, code string }{
		{"replayed nonce", secret, "v3-nonce-1", "SignatureNonceUsed"},
		{"wrong secret", "wrong", "v3-nonce-2", "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := send(t, tc.secret, tc.nonce); a.status != 400 || a.body["Code"] != tc.code {
				t.Errorf("got %d %s, want 400 %s", a.status, a.raw, tc.code)
			}
		})
	}
}
