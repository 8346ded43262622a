// Package directory reads the members of Resource Directory folders through
// the ResourceManager SDK (API 2020-03-31): ListFoldersForParent and
// ListAccountsForParent, every page, every subfolder. The function reads it
// at most once per invocation (Read), and every image of the invocation
// looks the answers up in the Snapshot, which is the policy's Directory.
//
// Calls are paced by the same limiter as the ECS calls and retried with the
// engine's retry policy. When the directory cannot be read (the caller is not
// the management account or a delegated administrator, lacks permission, a
// folder does not exist, throttled or unavailable past the retries), the
// folders concerned answer a *outcome.Error with code DirectoryUnavailable,
// retryable when trying later may help; the policy then fails only the rules
// that need them and removes nothing for them.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/resourcemanager"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
)

// API names, as counted in Snapshot.Calls and paced by the limiter.
const (
	APIListAccounts = "ListAccountsForParent"
	APIListFolders  = "ListFoldersForParent"
)

// UsableStatuses are the member statuses that count as members: the account
// exists and belongs to the directory. The statuses are those
// ListAccountsForParent documents (2020-03-31, Accounts.Account.Status); a
// promotion to a cloud account that is pending, failed, expired or was
// cancelled leaves a working resource account. Accounts still being created
// (CreateVerifying) or whose creation failed, expired or was cancelled, and
// any status not listed here, are left out.
func UsableStatuses() []string {
	return []string{"CreateSuccess", "InviteSuccess", "PromoteSuccess",
		"PromoteVerifying", "PromoteFailed", "PromoteExpired", "PromoteCancelled"}
}

// pageSize is the most entries a page may hold (PageSize 1..100): the fewest
// calls.
const pageSize = 100

// Config says how to read. Only Client is required.
type Config struct {
	Client *resourcemanager.Client
	// Clock and Sleep: as engine.Config (defaults: the system clock, clock.Sleep).
	Clock clock.Clock
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  *rand.Rand
	// Retry bounds each call's retries, as for ECS calls.
	Retry engine.RetryPolicy
	// Limiter, when set, is waited on before every call, retries included,
	// with the call's API name: the function's one budget.
	Limiter engine.Limiter
	Logger  *slog.Logger
	// PageSize is the entries asked per page (1..100); default 100.
	PageSize int
}

// Snapshot is the Resource Directory as read once. It implements
// policy.Directory and is safe for concurrent use (it is not changed after
// Read).
type Snapshot struct {
	members map[string][]string       // folder id ("" the root) -> members of it and its subfolders
	errs    map[string]*outcome.Error // folder id -> why it could not be read
	all     *outcome.Error            // set when nothing could be read at all
	// Calls counts every call made per API, retries included.
	Calls map[string]int
}

// Unavailable returns a Snapshot in which every folder answers err (when no
// client could even be built, say).
func Unavailable(err *outcome.Error) *Snapshot {
	return &Snapshot{all: err, Calls: map[string]int{}}
}

// Members returns the usable member accounts of folder and of all its
// subfolders ("" the whole directory), sorted, or why they could not be
// read.
func (s *Snapshot) Members(folder string) ([]string, error) {
	if s.all != nil {
		return nil, s.all
	}
	if err, ok := s.errs[folder]; ok {
		return nil, err
	}
	m, ok := s.members[folder]
	if !ok {
		return nil, outcome.Errorf(outcome.DirectoryUnavailable, "%s was not read in this invocation", label(folder))
	}
	return m, nil
}

// reader is one Read: its calls, its memo of folders walked.
type reader struct {
	ctx   context.Context
	cfg   Config
	retry engine.RetryPolicy
	log   *slog.Logger
	snap  *Snapshot
	// direct is each walked folder's direct members and subfolders.
	walked map[string]walked
}

type walked struct {
	accounts, folders []string
	err               *outcome.Error
}

// Read reads the members of each folder in folders ("" for the whole
// directory): one walk of the folder tree below them, each folder listed once
// however many of them contain it.
func Read(ctx context.Context, cfg Config, folders []string) *Snapshot {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Sleep
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PageSize <= 0 || cfg.PageSize > pageSize {
		cfg.PageSize = pageSize
	}
	r := &reader{
		ctx: ctx, cfg: cfg, retry: cfg.Retry.WithDefaults(), log: cfg.Logger,
		snap:   &Snapshot{members: map[string][]string{}, errs: map[string]*outcome.Error{}, Calls: map[string]int{}},
		walked: map[string]walked{},
	}
	if cfg.Client == nil {
		r.snap.all = outcome.Errorf(outcome.DirectoryUnavailable, "no ResourceManager client")
		return r.snap
	}
	for _, f := range folders {
		if _, done := r.snap.members[f]; done {
			continue
		}
		if _, done := r.snap.errs[f]; done {
			continue
		}
		members, err := r.collect(f)
		if err != nil {
			r.snap.errs[f] = err
			continue
		}
		r.snap.members[f] = members
	}
	r.log.Info("resource directory read", "folders", len(folders), "apiCalls", r.snap.Calls, "unreadable", len(r.snap.errs))
	return r.snap
}

// collect returns the usable members of folder and its subfolders.
func (r *reader) collect(folder string) ([]string, *outcome.Error) {
	seen := map[string]bool{}
	var out []string
	queue := []string{folder}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if seen[f] {
			continue
		}
		seen[f] = true
		w := r.walk(f)
		if w.err != nil {
			// A subfolder that cannot be read makes the whole folder
			// unknown: its members missing would look like leavers.
			return nil, w.err
		}
		out = append(out, w.accounts...)
		queue = append(queue, w.folders...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// walk lists one folder's direct members and subfolders, once per Read.
func (r *reader) walk(folder string) walked {
	if w, ok := r.walked[folder]; ok {
		return w
	}
	var w walked
	w.accounts, w.err = r.accounts(folder)
	if w.err == nil {
		w.folders, w.err = r.subfolders(folder)
	}
	r.walked[folder] = w
	return w
}

func (r *reader) accounts(folder string) ([]string, *outcome.Error) {
	usable := UsableStatuses()
	var out []string
	err := r.eachPage(APIListAccounts, folder, func(page int, timeout time.Duration) (got, total int, err error) {
		req := resourcemanager.CreateListAccountsForParentRequest()
		req.ParentFolderId = folder
		req.PageNumber = requests.NewInteger(page)
		req.PageSize = requests.NewInteger(r.cfg.PageSize)
		if timeout > 0 {
			req.SetReadTimeout(timeout)
		}
		resp, err := r.cfg.Client.ListAccountsForParent(req)
		if err != nil {
			return 0, 0, err
		}
		for _, a := range resp.Accounts.Account {
			if slices.Contains(usable, a.Status) {
				out = append(out, a.AccountId)
			} else {
				r.log.Info("directory member left out", "accountId", a.AccountId, "status", a.Status, "folderId", a.FolderId)
			}
		}
		return len(resp.Accounts.Account), resp.TotalCount, nil
	})
	return out, err
}

func (r *reader) subfolders(folder string) ([]string, *outcome.Error) {
	var out []string
	err := r.eachPage(APIListFolders, folder, func(page int, timeout time.Duration) (got, total int, err error) {
		req := resourcemanager.CreateListFoldersForParentRequest()
		req.ParentFolderId = folder
		req.PageNumber = requests.NewInteger(page)
		req.PageSize = requests.NewInteger(r.cfg.PageSize)
		if timeout > 0 {
			req.SetReadTimeout(timeout)
		}
		resp, err := r.cfg.Client.ListFoldersForParent(req)
		if err != nil {
			return 0, 0, err
		}
		for _, f := range resp.Folders.Folder {
			out = append(out, f.FolderId)
		}
		return len(resp.Folders.Folder), resp.TotalCount, nil
	})
	return out, err
}

// eachPage calls fetch (through r.call: budget, retries) for pages 1, 2, ...
// of api under folder until a page comes back empty or the pages read cover
// the total the service reports. fetch takes a page's items only once its
// call succeeded, so a retried call adds nothing twice.
func (r *reader) eachPage(api, folder string, fetch func(page int, timeout time.Duration) (got, total int, err error)) *outcome.Error {
	for page := 1; ; page++ {
		var got, total int
		if err := r.call(api, folder, func(timeout time.Duration) (err error) {
			got, total, err = fetch(page, timeout)
			return err
		}); err != nil {
			return err
		}
		if got == 0 || page*r.cfg.PageSize >= total {
			return nil
		}
	}
}

// call makes one read through fn, counting every attempt, pacing each with
// the limiter, and retrying what may succeed later (throttling, 5xx, network
// errors: the calls only read, so a retry is always safe) with the engine's
// backoff, within the context's deadline. fn gets the read timeout the
// deadline leaves (0: the client's own).
func (r *reader) call(api, folder string, fn func(timeout time.Duration) error) *outcome.Error {
	for attempt := 1; ; attempt++ {
		left, hasDeadline := r.left()
		if r.ctx.Err() != nil || hasDeadline && left <= 0 {
			return &outcome.Error{Code: outcome.DirectoryUnavailable, Retryable: true,
				Message: "the invocation's time ran out before reading the Resource Directory"}
		}
		if lim := r.cfg.Limiter; lim != nil {
			if err := lim.Wait(r.ctx, api); err != nil {
				return &outcome.Error{Code: outcome.DirectoryUnavailable, Retryable: true, Err: err,
					Message: "no time left to call " + api + " within the rate limit: " + err.Error()}
			}
		}
		r.snap.Calls[api]++
		var timeout time.Duration
		limit := r.cfg.Client.GetReadTimeout()
		if limit <= 0 {
			limit = 10 * time.Second // the SDK's default
		}
		if hasDeadline && left < limit {
			timeout = max(left, time.Millisecond)
		}
		err := fn(timeout)
		if err == nil {
			return nil
		}
		oe := classify(err, folder)
		if !oe.Retryable {
			r.log.Warn("resource directory call failed", "api", api, "folderId", folder, "error", oe.Message)
			return oe
		}
		wait := r.retry.Backoff(attempt, r.cfg.Rand)
		if attempt >= r.retry.Attempts || hasDeadline && left <= wait {
			oe.Message = fmt.Sprintf("%s (gave up after %d attempts)", oe.Message, attempt)
			r.log.Warn("resource directory call failed, no retries left", "api", api, "folderId", folder, "error", oe.Message)
			return oe
		}
		r.log.Warn("resource directory call failed, retrying", "api", api, "folderId", folder, "wait", wait, "error", oe.Message)
		if r.cfg.Sleep(r.ctx, wait) != nil {
			return oe
		}
	}
}

// left is the time before the context's deadline, on the injected clock.
func (r *reader) left() (time.Duration, bool) {
	dl, ok := r.ctx.Deadline()
	if !ok {
		return 0, false
	}
	return dl.Sub(r.cfg.Clock.Now()), true
}

// classify turns an SDK error into DirectoryUnavailable with the remedy,
// retryable when trying later may help. Its message is scrubbed of
// credentials (package redact), as the engine's: Go's network errors quote
// the signed URL, token included.
func classify(err error, folder string) *outcome.Error {
	oe := classifyRaw(err, folder)
	oe.Message = redact.Text(oe.Message)
	return oe
}

func classifyRaw(err error, folder string) *outcome.Error {
	oe := &outcome.Error{Code: outcome.DirectoryUnavailable, Err: err}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		// No answer (timeout, reset, refused): a read is safe to repeat.
		oe.Retryable = true
		oe.Message = "ResourceManager did not answer: " + err.Error()
		return oe
	}
	oe.RequestID = se.RequestId()
	code := se.ErrorCode()
	why := ""
	switch {
	case strings.HasPrefix(code, "Throttling"), se.HttpStatus() >= 500:
		oe.Retryable = true
		why = "throttled or unavailable"
	case code == "EntityNotExists.Folder":
		why = label(folder) + " does not exist in the Resource Directory: fix the folder id in the policy"
	case code == "InvalidParameter.ParentFolderId":
		why = label(folder) + " is not a folder id the service accepts: fix the policy"
	case code == "EntityNotExists.ResourceDirectory":
		why = "the function's account has no Resource Directory: run it in the management account, " +
			"or in a delegated administrator account"
	case code == "MemberAccountAccessDenied", strings.HasPrefix(code, "NoPermission"), strings.HasPrefix(code, "Forbidden"):
		why = "the function may not read the Resource Directory: run it in the management account or a " +
			"delegated administrator, with resourcemanager:ListAccountsForParent and resourcemanager:ListFoldersForParent"
	default:
		why = "unexpected answer"
	}
	oe.Message = fmt.Sprintf("ResourceManager answered %s (HTTP %d) reading %s: %s; %s", code, se.HttpStatus(), label(folder), se.Message(), why)
	return oe
}

// label names a folder in messages.
func label(folder string) string {
	if folder == "" {
		return "the root folder"
	}
	return "folder " + folder
}
