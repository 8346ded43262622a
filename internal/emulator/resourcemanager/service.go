// Package resourcemanager emulates the ResourceManager RPC API (version
// 2020-03-31) for the two calls the product makes to read a Resource
// Directory: ListFoldersForParent and ListAccountsForParent. The directory
// comes from the world's resourceDirectory key; its state (Directory) is kept
// apart from the wire (Service) so tests can move accounts between reads.
//
// Like the ECS emulator it follows the documented protocol, not what the Go
// SDK tolerates: GET or POST, parameters in the query string or a form body,
// RPC V1 and V3 (ACS3-HMAC-SHA256) signatures checked with the verifiers
// ECS uses (packages rpcv1 and acs3), against the world's credentials, nonces
// shared with the ECS endpoint; SignatureDoesNotMatch is 400 as there.
//
// References (ResourceManager 2020-03-31 API reference, help.aliyun.com
// document 604210 for ListFoldersForParent and "api-resourcemanager-2020-03-31-listaccountsforparent"):
//
//   - ParentFolderId is optional; empty means the root folder (documented
//     for ListFoldersForParent; ListAccountsForParent marks it optional and
//     the emulator reads it the same way). A value that is not r- and 6, or
//     fd- and 10, letters or digits is InvalidParameter.ParentFolderId (400);
//     an unknown folder EntityNotExists.Folder (404).
//   - PageNumber starts at 1 (default 1); PageSize is 1..100 (default 10). A
//     page past the end is empty, with the TotalCount.
//   - A caller whose account has no Resource Directory gets
//     EntityNotExists.ResourceDirectory (404, documented for both calls). A
//     member account that is neither the management account nor a delegated
//     administrator gets MemberAccountAccessDenied (403), the code the same
//     reference documents for member accounts calling a management
//     operation (SetMemberDeletionPermission); the two list calls document
//     no code of their own for it.
//   - Accounts are listed by account id, folders in creation order, so pages
//     are stable between calls.
//   - Throttled calls (a world rateLimit naming these APIs, or a fault)
//     answer Throttling.User (400), the gateway's code for a user's flow
//     control.
package resourcemanager

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcerr"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// APIVersion is the only Version the endpoint serves.
const APIVersion = "2020-03-31"

// The actions served.
const (
	ActionListAccounts = "ListAccountsForParent"
	ActionListFolders  = "ListFoldersForParent"
)

// Actions are the actions the endpoint serves, for rate limits and faults.
var Actions = []string{ActionListAccounts, ActionListFolders}

// parentFolderID compiles on first use, not at initialisation: the function
// binary links the emulator, and its cold start should not pay for it.
var parentFolderID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(r-[A-Za-z0-9]{6}|fd-[A-Za-z0-9]{10})$`)
})

// Service is the emulated ResourceManager RPC endpoint. It is an
// http.Handler and safe for concurrent use.
type Service struct {
	// Directory is the organisation; nil when the world has none (every
	// call is then EntityNotExists.ResourceDirectory).
	Directory *Directory

	cred     rpcv1.Credentials
	caller   string // the account the credentials belong to: the world's owner
	clk      clock.Clock
	inj      *fault.Injector
	stop     <-chan struct{}
	useNonce rpcv1.UseNonce
}

// New returns the endpoint for w. useNonce records signature nonces (the
// ECS endpoint's, so one nonce cannot be replayed across the two); inj
// decides faults (nil: none); stop releases calls held by a timeout fault.
func New(w *world.World, clk clock.Clock, inj *fault.Injector, stop <-chan struct{}, useNonce rpcv1.UseNonce) *Service {
	if inj == nil {
		inj = fault.New(&world.World{})
	}
	created := w.StartTime
	if created.IsZero() {
		created = clk.Now()
	}
	return &Service{
		Directory: NewDirectory(w.ResourceDirectory, created),
		cred: rpcv1.Credentials{
			AccessKeyID:     w.Credentials.AccessKeyID,
			AccessKeySecret: w.Credentials.AccessKeySecret,
			SecurityToken:   w.Credentials.SecurityToken,
		},
		caller:   w.Owner,
		clk:      clk,
		inj:      inj,
		stop:     stop,
		useNonce: useNonce,
	}
}

// ServeHTTP answers one RPC call: parameters, signature, version, action,
// faults (every authenticated call is counted), the caller's right to read
// the directory, then the call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := writer{w: w, r: r, requestID: newRequestID(), format: "JSON"}
	if r.URL.Path != "/" {
		out.fail(newError("InvalidAction.NotFound"))
		return
	}
	// The whole body, which a V3 signature hashes, put back for ReadParams.
	raw, berr := io.ReadAll(http.MaxBytesReader(w, r.Body, rpcv1.MaxBody))
	if berr != nil {
		out.fail(newError("InvalidParameter", "The request body cannot be read: "+berr.Error()))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	p, rerr := rpcv1.ReadParams(w, r)
	if rerr != nil {
		out.fail(fromRPC(rerr))
		return
	}
	if f := p["Format"]; f != "" {
		if !strings.EqualFold(f, "JSON") && !strings.EqualFold(f, "XML") {
			out.fail(invalidParameter("Format", "Valid values: JSON, XML."))
			return
		}
		out.format = strings.ToUpper(f)
	}
	if acs3.Is(r) || (r.Header.Get(acs3.HeaderAction) != "" && p["Signature"] == "") {
		// V3 (ACS3-HMAC-SHA256), the current SDKs' default: the same
		// verifier and nonce store as the ECS endpoint.
		c, err := acs3.Verify(r, raw, acs3.Credentials(s.cred), acs3.UseNonce(s.useNonce), time.Now())
		if err != nil {
			out.fail(newError(err.Code, err.Message))
			return
		}
		for _, kv := range [][2]string{{"Action", c.Action}, {"Version", c.Version}} {
			if p[kv[0]] != "" && p[kv[0]] != kv[1] {
				out.fail(invalidParameter(kv[0], "It disagrees with the request header x-acs-"+strings.ToLower(kv[0])+"."))
				return
			}
			p[kv[0]] = kv[1]
		}
	} else if err := rpcv1.Verify(r.Method, p, s.cred, s.useNonce, time.Now()); err != nil {
		out.fail(fromRPC(err))
		return
	}
	if p["Version"] != APIVersion {
		out.fail(invalidParameter("Version", "This endpoint serves "+APIVersion+"."))
		return
	}
	action := p["Action"]
	if action != ActionListAccounts && action != ActionListFolders {
		out.fail(newError("InvalidAction.NotFound"))
		return
	}
	out.action = action

	d := s.inj.Decide(r.Context(), fault.Call{API: action, Throttle: "Throttling.User"})
	if d.Kind == fault.Error {
		e := newError(d.Code)
		if d.Status != 0 {
			e.Status = d.Status
		}
		out.fail(e)
		return
	}
	if fault.Drop(d, w, r, s.stop, nil) { // reads only: nothing to apply
		return
	}

	// Counted (above) like any authenticated call, then refused when the
	// caller may not read the directory.
	if err := s.mayRead(); err != nil {
		out.fail(err)
		return
	}
	var body any
	var err *apiError
	if action == ActionListAccounts {
		body, err = s.listAccounts(p, out.requestID)
	} else {
		body, err = s.listFolders(p, out.requestID)
	}
	if err != nil {
		out.fail(err)
		return
	}
	out.write(http.StatusOK, action+"Response", body)
}

// mayRead refuses a caller that is not the management account or a
// delegated administrator, as the service does.
func (s *Service) mayRead() *apiError {
	switch d := s.Directory; {
	case d == nil:
		return newError("EntityNotExists.ResourceDirectory")
	case d.MayRead(s.caller):
		return nil
	case d.IsMember(s.caller):
		return newError("MemberAccountAccessDenied")
	default:
		return newError("EntityNotExists.ResourceDirectory")
	}
}

// parent reads ParentFolderId: the root when empty.
func (s *Service) parent(p map[string]string) (string, *apiError) {
	id := p["ParentFolderId"]
	switch {
	case id == "":
		return s.Directory.RootFolderID(), nil
	case !parentFolderID().MatchString(id):
		return "", newError("InvalidParameter.ParentFolderId")
	case !s.Directory.HasFolder(id):
		return "", newError("EntityNotExists.Folder")
	}
	return id, nil
}

// page reads PageNumber (from 1, default 1) and PageSize (1..100, default 10).
func page(p map[string]string) (number, size int, err *apiError) {
	read := func(name string, def, hi int) (int, *apiError) {
		v := p[name]
		if v == "" {
			return def, nil
		}
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > hi {
			return 0, invalidParameter(name, fmt.Sprintf("It must be an integer from 1 to %d.", hi))
		}
		return n, nil
	}
	if number, err = read("PageNumber", 1, 1<<30); err != nil {
		return 0, 0, err
	}
	if size, err = read("PageSize", 10, 100); err != nil {
		return 0, 0, err
	}
	return number, size, nil
}

func pageOf[T any](all []T, number, size int) []T {
	start := min((number-1)*size, len(all))
	return all[start:min(start+size, len(all))]
}

// Response shapes, as the SDK's ListAccountsForParentResponse and
// ListFoldersForParentResponse parse them.
type (
	pageFields struct {
		RequestID  string `json:"RequestId" xml:"RequestId"`
		PageNumber int    `json:"PageNumber" xml:"PageNumber"`
		PageSize   int    `json:"PageSize" xml:"PageSize"`
		TotalCount int    `json:"TotalCount" xml:"TotalCount"`
	}
	accountsResponse struct {
		pageFields
		Accounts struct {
			Account []accountBody `json:"Account" xml:"Account"`
		} `json:"Accounts" xml:"Accounts"`
	}
	accountBody struct {
		AccountID           string `json:"AccountId" xml:"AccountId"`
		DisplayName         string `json:"DisplayName" xml:"DisplayName"`
		FolderID            string `json:"FolderId" xml:"FolderId"`
		ResourceDirectoryID string `json:"ResourceDirectoryId" xml:"ResourceDirectoryId"`
		Status              string `json:"Status" xml:"Status"`
		Type                string `json:"Type" xml:"Type"`
		JoinMethod          string `json:"JoinMethod" xml:"JoinMethod"`
		JoinTime            string `json:"JoinTime" xml:"JoinTime"`
		ModifyTime          string `json:"ModifyTime" xml:"ModifyTime"`
	}
	foldersResponse struct {
		pageFields
		Folders struct {
			Folder []folderBody `json:"Folder" xml:"Folder"`
		} `json:"Folders" xml:"Folders"`
	}
	folderBody struct {
		FolderID   string `json:"FolderId" xml:"FolderId"`
		FolderName string `json:"FolderName" xml:"FolderName"`
		CreateTime string `json:"CreateTime" xml:"CreateTime"`
	}
)

// directoryID is the emulated directory's id, as the responses carry one.
const directoryID = "rd-emul01"

func (s *Service) listAccounts(p map[string]string, requestID string) (any, *apiError) {
	parent, err := s.parent(p)
	if err != nil {
		return nil, err
	}
	number, size, err := page(p)
	if err != nil {
		return nil, err
	}
	all := s.Directory.Accounts(parent)
	resp := accountsResponse{pageFields: pageFields{RequestID: requestID, PageNumber: number, PageSize: size, TotalCount: len(all)}}
	resp.Accounts.Account = []accountBody{}
	for _, a := range pageOf(all, number, size) {
		resp.Accounts.Account = append(resp.Accounts.Account, accountBody{
			AccountID: a.ID, DisplayName: a.DisplayName, FolderID: a.FolderID, ResourceDirectoryID: directoryID,
			Status: a.Status, Type: "ResourceAccount", JoinMethod: "created",
			JoinTime: a.JoinTime.UTC().Format(rpcv1.TimestampLayout), ModifyTime: a.JoinTime.UTC().Format(rpcv1.TimestampLayout),
		})
	}
	return resp, nil
}

func (s *Service) listFolders(p map[string]string, requestID string) (any, *apiError) {
	parent, err := s.parent(p)
	if err != nil {
		return nil, err
	}
	number, size, err := page(p)
	if err != nil {
		return nil, err
	}
	all := s.Directory.Folders(parent)
	resp := foldersResponse{pageFields: pageFields{RequestID: requestID, PageNumber: number, PageSize: size, TotalCount: len(all)}}
	resp.Folders.Folder = []folderBody{}
	for _, f := range pageOf(all, number, size) {
		resp.Folders.Folder = append(resp.Folders.Folder, folderBody{
			FolderID: f.ID, FolderName: f.Name, CreateTime: f.CreateTime.UTC().Format(rpcv1.TimestampLayout),
		})
	}
	return resp, nil
}

// writer answers one request in the format it asked for (JSON by default).
type writer struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	format    string
	action    string
}

// errorBody is the service's error answer (package rpcerr).
type errorBody = rpcerr.Body

func (o *writer) fail(e *apiError) {
	host := o.r.Host
	if host == "" {
		host = "resourcemanager.aliyuncs.com"
	}
	o.write(e.Status, "Error", errorBody{
		RequestID: o.requestID, HostID: host, Code: e.Code, Message: e.Message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(e.Code) +
			"&product=ResourceManager&requestId=" + url.QueryEscape(o.requestID),
	})
}

func (o *writer) write(status int, root string, body any) {
	h := o.w.Header()
	h.Set("x-acs-request-id", o.requestID)
	if o.format == "XML" {
		h.Set("Content-Type", "text/xml;charset=utf-8")
		o.w.WriteHeader(status)
		_, _ = o.w.Write([]byte(xml.Header))
		_ = xml.NewEncoder(o.w).EncodeElement(body, xml.StartElement{Name: xml.Name{Local: root}})
		return
	}
	h.Set("Content-Type", "application/json;charset=utf-8")
	o.w.WriteHeader(status)
	_ = json.NewEncoder(o.w).Encode(body)
}

// newRequestID returns a fresh upper-case UUID-like id, as the service's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}
