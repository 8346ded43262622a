package directory_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/directory"
	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

const (
	owner    = "1000000000000001" // the management account
	akID     = "LTAI5tLocalTestKey"
	akSecret = "local-test-secret"
	apps     = "fd-appsfolder"
	appsWeb  = "fd-appsweb001"
	partners = "fd-partners01"
)

// org is a directory with a folder holding a subfolder, accounts in every
// state, and a folder large enough to need several pages.
func org() *world.ResourceDirectory {
	return &world.ResourceDirectory{
		ManagementAccount: owner,
		Accounts:          []world.DirectoryAccount{{ID: "2000000000000001"}},
		Folders: []world.Folder{
			{ID: apps, Name: "apps", Accounts: []world.DirectoryAccount{
				{ID: "2100000000000001"},
				{ID: "2100000000000002", Status: "InviteSuccess"},
				{ID: "2100000000000003", Status: "CreateFailed"},
				{ID: "2100000000000004", Status: "PromoteVerifying"},
			}, Folders: []world.Folder{
				{ID: appsWeb, Name: "web", Accounts: []world.DirectoryAccount{{ID: "2110000000000001"}, {ID: "2110000000000002", Status: "CreateVerifying"}}},
			}},
			{ID: partners, Name: "partners", Accounts: []world.DirectoryAccount{
				{ID: "3000000000000001"}, {ID: "3000000000000002"}, {ID: "3000000000000003"},
				{ID: "3000000000000004"}, {ID: "3000000000000005"},
			}},
		},
	}
}

type env struct {
	emu   *emulator.Emulator
	url   string
	cfg   directory.Config
	mu    sync.Mutex
	slept []time.Duration
}

func newEnv(t *testing.T, edit func(*world.World)) *env {
	t.Helper()
	w := &world.World{
		Owner:             owner,
		Credentials:       world.Credentials{AccessKeyID: akID, AccessKeySecret: akSecret},
		ResourceDirectory: org(),
	}
	if edit != nil {
		edit(w)
	}
	e := &env{emu: emulator.New(w, emulator.Options{})}
	srv := httptest.NewServer(e.emu)
	t.Cleanup(func() { e.emu.Close(); srv.Close() })
	e.url = srv.URL
	client, err := ecsclient.NewResourceManager(ecsclient.Config{
		Region: "cn-hangzhou", Endpoint: srv.URL, AccessKeyID: akID, AccessKeySecret: akSecret, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = directory.Config{
		Client: client,
		Clock:  e.emu.Clock,
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.slept = append(e.slept, d)
			return nil
		},
		Retry:  engine.RetryPolicy{Attempts: 3},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return e
}

func members(t *testing.T, s *directory.Snapshot, folder string) []string {
	t.Helper()
	m, err := s.Members(folder)
	if err != nil {
		t.Fatalf("Members(%q): %v", folder, err)
	}
	return m
}

func TestReadFolderWithSubfolder(t *testing.T) {
	e := newEnv(t, nil)
	snap := directory.Read(context.Background(), e.cfg, []string{apps, appsWeb, ""})
	// Usable statuses only: CreateFailed and CreateVerifying are left out,
	// a pending promotion is a working account.
	if got, want := members(t, snap, apps), []string{"2100000000000001", "2100000000000002", "2100000000000004", "2110000000000001"}; !slices.Equal(got, want) {
		t.Errorf("apps = %v, want %v", got, want)
	}
	if got, want := members(t, snap, appsWeb), []string{"2110000000000001"}; !slices.Equal(got, want) {
		t.Errorf("apps/web = %v, want %v", got, want)
	}
	all := members(t, snap, "")
	want := []string{owner, "2000000000000001", "2100000000000001", "2100000000000002", "2100000000000004", "2110000000000001",
		"3000000000000001", "3000000000000002", "3000000000000003", "3000000000000004", "3000000000000005"}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("whole directory = %v, want %v", all, want)
	}
	// Every folder is listed once, however many requested folders contain
	// it: root, apps, apps/web, partners; each fits one page of 100.
	if snap.Calls[directory.APIListAccounts] != 4 || snap.Calls[directory.APIListFolders] != 4 {
		t.Errorf("calls %v, want 4 of each", snap.Calls)
	}
	if n := e.emu.Faults.Counts()[directory.APIListAccounts]; n != 4 {
		t.Errorf("the emulator saw %d ListAccountsForParent calls, want 4", n)
	}
}

func TestReadPagesPastOnePage(t *testing.T) {
	e := newEnv(t, nil)
	e.cfg.PageSize = 2
	snap := directory.Read(context.Background(), e.cfg, []string{partners})
	if got := members(t, snap, partners); len(got) != 5 || got[0] != "3000000000000001" || got[4] != "3000000000000005" {
		t.Errorf("partners = %v, want the five", got)
	}
	// Five accounts at two a page: three pages; no subfolder: one page.
	if snap.Calls[directory.APIListAccounts] != 3 || snap.Calls[directory.APIListFolders] != 1 {
		t.Errorf("calls %v, want 3 ListAccountsForParent and 1 ListFoldersForParent", snap.Calls)
	}
}

func TestReadUnreadable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(*world.World)
		folders   []string
		code      string // the service's code, in the message
		retryable bool
		readable  []string // folders that still read
	}{
		{name: "not in any directory", edit: func(w *world.World) { w.Owner = "9000000000000001" },
			folders: []string{apps}, code: "EntityNotExists.ResourceDirectory"},
		{name: "a member that is not an administrator", edit: func(w *world.World) { w.Owner = "2000000000000001" },
			folders: []string{apps, ""}, code: "MemberAccountAccessDenied"},
		{name: "no directory at all", edit: func(w *world.World) { w.ResourceDirectory = nil; w.Owner = owner },
			folders: []string{""}, code: "EntityNotExists.ResourceDirectory"},
		{name: "an unknown folder fails alone", folders: []string{"fd-nosuchfold", apps}, code: "EntityNotExists.Folder", readable: []string{apps}},
		{name: "throttled past the retries", edit: func(w *world.World) {
			w.Faults = []world.Fault{{API: directory.APIListAccounts, Code: "Throttling.User", Times: 100}}
		}, folders: []string{apps}, code: "Throttling.User", retryable: true},
		{name: "unavailable past the retries", edit: func(w *world.World) {
			w.Faults = []world.Fault{{API: directory.APIListFolders, Code: "ServiceUnavailable", Times: 100}}
		}, folders: []string{partners}, code: "ServiceUnavailable", retryable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.edit)
			snap := directory.Read(context.Background(), e.cfg, tc.folders)
			for _, f := range tc.folders {
				if slices.Contains(tc.readable, f) {
					members(t, snap, f)
					continue
				}
				_, err := snap.Members(f)
				var oe *outcome.Error
				if !errors.As(err, &oe) || oe.Code != outcome.DirectoryUnavailable || oe.Retryable != tc.retryable ||
					!strings.Contains(oe.Message, tc.code) || oe.RequestID == "" {
					t.Errorf("Members(%q) = %v (%+v), want DirectoryUnavailable naming %s, retryable %t", f, err, oe, tc.code, tc.retryable)
				}
			}
			if tc.retryable && len(e.slept) != 2 {
				t.Errorf("slept %v, want 2 backoffs (3 attempts)", e.slept)
			}
		})
	}
}

// TestRetriedThenRead: a throttled call is retried and the read succeeds.
func TestRetriedThenRead(t *testing.T) {
	e := newEnv(t, func(w *world.World) {
		w.Faults = []world.Fault{{API: directory.APIListAccounts, Code: "Throttling.User", Times: 2}}
	})
	snap := directory.Read(context.Background(), e.cfg, []string{appsWeb})
	if got := members(t, snap, appsWeb); !slices.Equal(got, []string{"2110000000000001"}) {
		t.Errorf("apps/web = %v", got)
	}
	if snap.Calls[directory.APIListAccounts] != 3 {
		t.Errorf("calls %v, want 3 ListAccountsForParent (two throttled)", snap.Calls)
	}
}

// TestReadPacedByLimiter: every call, retries included, waits on the
// function's budget under its own API name.
func TestReadPacedByLimiter(t *testing.T) {
	e := newEnv(t, nil)
	lim := &countingLimiter{}
	e.cfg.Limiter = lim
	snap := directory.Read(context.Background(), e.cfg, []string{apps})
	if lim.waits[directory.APIListAccounts] != snap.Calls[directory.APIListAccounts] ||
		lim.waits[directory.APIListFolders] != snap.Calls[directory.APIListFolders] || len(lim.waits) != 2 {
		t.Errorf("limiter waits %v, calls %v", lim.waits, snap.Calls)
	}
}

type countingLimiter struct {
	mu    sync.Mutex
	waits map[string]int
}

func (l *countingLimiter) Wait(_ context.Context, api string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[string]int{}
	}
	l.waits[api]++
	return nil
}

func TestUnavailableSnapshot(t *testing.T) {
	s := directory.Unavailable(outcome.Errorf(outcome.DirectoryUnavailable, "no client"))
	if _, err := s.Members(apps); outcome.CodeOf(err) != outcome.DirectoryUnavailable {
		t.Errorf("Members = %v", err)
	}
	s = directory.Read(context.Background(), directory.Config{}, []string{apps})
	if _, err := s.Members(apps); outcome.CodeOf(err) != outcome.DirectoryUnavailable {
		t.Errorf("Read without a client: %v", err)
	}
}

// TestUnansweredCallIsScrubbed: a call that gets no answer is retryable, and
// its message (Go quotes the signed URL) carries no token or signature.
func TestUnansweredCallIsScrubbed(t *testing.T) {
	client, err := ecsclient.NewResourceManager(ecsclient.Config{
		Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:1", AccessKeyID: akID, AccessKeySecret: akSecret,
		SecurityToken: "STS-TOKEN-SECRET-VALUE", Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	snap := directory.Read(context.Background(), directory.Config{
		Client: client, Retry: engine.RetryPolicy{Attempts: 1},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, []string{apps})
	_, err = snap.Members(apps)
	var oe *outcome.Error
	if !errors.As(err, &oe) || !oe.Retryable || !strings.Contains(oe.Message, "did not answer") {
		t.Fatalf("Members = %v", err)
	}
	if strings.Contains(oe.Message, "STS-TOKEN-SECRET-VALUE") || strings.Contains(oe.Message, "Signature=") && !strings.Contains(oe.Message, "Signature=[REDACTED]") {
		t.Errorf("credentials in the message: %s", oe.Message)
	}
}
