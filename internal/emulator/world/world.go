// Package world reads the emulator's world file: the accounts, images, queues,
// topics, OSS buckets, credentials and faults that an emulated Alibaba Cloud
// starts with.
//
// The format is the design's "World file" section, plus a few optional knobs
// for tests (latency, rateLimit, moreThan10, regions). Unknown keys are errors,
// reported with their line, so a typo never silently changes a test's world.
package world

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/boundedread"
	"go.yaml.in/yaml/v3"

	"github.com/imageshare/ecs-image-share/internal/suggest"
)

// World is the emulated cloud's initial state.
type World struct {
	// Region is the default region for images and clients.
	Region string `yaml:"region"`
	// Owner is the account the function runs as; images default to it.
	Owner string `yaml:"owner"`
	// Credentials are the only ones whose signatures the emulator accepts.
	Credentials Credentials `yaml:"credentials"`
	// Accounts exist; sharing with any other id is InvalidAccount.NotFound.
	// The owner and every image owner exist implicitly.
	Accounts []string `yaml:"accounts"`
	// OtherSiteAccounts exist on the other site (China vs international):
	// sharing with one is InvalidImageId.BidMismatch.
	OtherSiteAccounts []string `yaml:"otherSiteAccounts"`
	// Regions the ECS API knows; default: DefaultRegions plus Region and
	// every image's region. Any other RegionId is InvalidRegionId.NotFound.
	Regions []string `yaml:"regions"`
	Queues  []Queue  `yaml:"queues"`
	Topics  []Topic  `yaml:"topics"`
	// Buckets are the OSS buckets that exist; any other name is NoSuchBucket.
	Buckets []Bucket `yaml:"buckets"`
	Images  []Image  `yaml:"images"`
	Faults  []Fault  `yaml:"faults"`
	// Latency is added to every call of an API (key "*" for every API), on
	// real time, before the call is answered.
	Latency map[string]Duration `yaml:"latency"`
	// RateLimit answers calls above a rate with Throttling (ECS) or
	// QpsLimitExceeded (MNS).
	RateLimit *RateLimit `yaml:"rateLimit"`
	// MoreThan10 selects how ModifyImageSharePermission treats more than 10
	// ids in AddAccount.N or RemoveAccount.N: MoreThan10Ignore (default, the
	// API reference the product is built on: the parameter takes no effect)
	// or MoreThan10First10 (the newer reference: only the first 10 are processed).
	MoreThan10 string `yaml:"moreThan10"`
	// StartTime is the emulated clock's start; default 2026-01-01T00:00:00Z.
	StartTime time.Time `yaml:"startTime"`
	// ShareQuota is the most accounts one image may be shared with
	// (QuotaExceed.ShareImageUser); default 50, more when a ticket raised it.
	ShareQuota int `yaml:"shareQuota"`
	// AccountInMessage selects the wording of the per-account errors of
	// ModifyImageSharePermission: false (default), the seed reference's
	// message, which does not say which account; true, the current
	// reference's, which names it ("The specified account %s in parameter
	// ... does not exist", "Cannot share the image with users %s of other sites").
	AccountInMessage bool `yaml:"accountInMessage"`
	// AliyunIDType is the JSON type of DescribeImageSharePermission's
	// Accounts.Account[].AliyunId: AliyunIDString (default, the reference's
	// parameter table) or AliyunIDNumber (the reference's response example).
	AliyunIDType string `yaml:"aliyunIdType"`
	// CopyTakes is how long a CopyImage copy stays Creating on the emulated
	// clock; default DefaultCopyTakes.
	CopyTakes Duration `yaml:"copyTakes"`
	// KMSKeys are the customer-managed KMS keys that exist, for CopyImage's
	// KMSKeyId. Any other key id is InvalidParameter.KMSKeyId.NotFound.
	KMSKeys []KMSKey `yaml:"kmsKeys"`
	// ResourceDirectory is the organisation the ResourceManager API
	// (2020-03-31) serves; nil: the owner has no Resource Directory.
	ResourceDirectory *ResourceDirectory `yaml:"resourceDirectory"`
}

// DefaultCopyTakes is how long a copy stays Creating unless the world says.
const DefaultCopyTakes = Duration(5 * time.Minute)

// KMSKey is a customer-managed key. In YAML it is either a key id (a key
// usable in every region) or a mapping.
type KMSKey struct {
	ID string `yaml:"id"`
	// Region, when set, is the only region the key exists in (keys are
	// regional in KMS); empty: every region, for short world files.
	Region string `yaml:"region"`
	// Disabled keys answer InvalidParameter.KMSKeyId.CMKNotEnabled.
	Disabled bool `yaml:"disabled"`
	// Unauthorized keys answer InvalidParameter.KMSKeyId.KMSUnauthorized:
	// ECS has no right to use them.
	Unauthorized bool `yaml:"unauthorized"`
}

// UnmarshalYAML accepts a bare key id or a mapping.
func (k *KMSKey) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		k.ID = n.Value
		return nil
	}
	type plain KMSKey
	return decodeStrict(n, (*plain)(k))
}

// ResourceDirectory is an organisation's Resource Directory: a management
// account, a root folder holding member accounts and folders, and folders
// nested in folders.
type ResourceDirectory struct {
	// ManagementAccount owns the directory; it (and the delegated
	// administrators) may read it. Required, a 16-digit account id.
	ManagementAccount string `yaml:"managementAccount"`
	// DelegatedAdministrators are member accounts that may read the
	// directory as the management account does.
	DelegatedAdministrators []string `yaml:"delegatedAdministrators"`
	// RootFolderID is the root folder's id (r- and 6 letters or digits);
	// default r-root01.
	RootFolderID string `yaml:"rootFolderId"`
	// Accounts are the members directly in the root folder. The management
	// account is a member of the root implicitly.
	Accounts []DirectoryAccount `yaml:"accounts"`
	Folders  []Folder           `yaml:"folders"`
}

// Folder is a Resource Directory folder.
type Folder struct {
	// ID is fd- and 10 letters or digits, unique in the directory.
	ID       string             `yaml:"id"`
	Name     string             `yaml:"name"`
	Accounts []DirectoryAccount `yaml:"accounts"`
	Folders  []Folder           `yaml:"folders"`
}

// DirectoryAccount is a member account. In YAML it is either an account id
// (status CreateSuccess) or a mapping.
type DirectoryAccount struct {
	ID string `yaml:"id"`
	// Status is the member's status as ListAccountsForParent reports it;
	// default CreateSuccess. See DirectoryAccountStatuses.
	Status      string `yaml:"status"`
	DisplayName string `yaml:"displayName"`
}

// DirectoryAccountStatuses are the member statuses ListAccountsForParent
// documents (ResourceManager 2020-03-31), with the creation outcomes the
// account list also reports (CreateVerifying, CreateFailed, CreateExpired,
// CreateCancelled).
var DirectoryAccountStatuses = []string{
	"CreateSuccess", "InviteSuccess", "PromoteVerifying", "PromoteFailed", "PromoteExpired",
	"PromoteCancelled", "PromoteSuccess", "CreateVerifying", "CreateFailed", "CreateExpired", "CreateCancelled",
}

// UnmarshalYAML accepts a bare account id or a mapping.
func (a *DirectoryAccount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		a.ID = n.Value
		return nil
	}
	type plain DirectoryAccount
	return decodeStrict(n, (*plain)(a))
}

// DefaultShareQuota is ECS's per-image share quota unless raised by a ticket.
const DefaultShareQuota = 50

// Types of DescribeImageSharePermission's AliyunId.
const (
	AliyunIDString = "string"
	AliyunIDNumber = "number"
)

// Readings of the more-than-10 rule.
const (
	MoreThan10Ignore  = "ignore"
	MoreThan10First10 = "first10"
)

// DefaultRegions are the ECS regions the emulator knows unless the world says otherwise.
var DefaultRegions = []string{
	"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao",
	"cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-chengdu", "cn-guangzhou",
	"cn-hongkong", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5",
	"ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
	"eu-central-1", "eu-west-1", "us-west-1", "us-east-1", "me-east-1", "me-central-1",
}

// Credentials are an AccessKey pair and, for STS, a security token.
type Credentials struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	AccessKeySecret string `yaml:"accessKeySecret"`
	// SecurityToken, when set, must accompany every request (STS credentials,
	// as Function Compute passes them).
	SecurityToken string `yaml:"securityToken"`
}

// Queue is an MNS queue. In YAML it is either a name or a mapping.
type Queue struct {
	Name string `yaml:"name"`
	// VisibilityTimeout of received messages; default 30s.
	VisibilityTimeout Duration `yaml:"visibilityTimeout"`
	// DelaySeconds applied to messages sent without one; default 0.
	DelaySeconds int `yaml:"delaySeconds"`
	// MaximumMessageSize in bytes; default 65536.
	MaximumMessageSize int `yaml:"maximumMessageSize"`
}

// Topic is an MNS topic. In YAML it is either a name or a mapping.
type Topic struct {
	Name string `yaml:"name"`
	// Subscribers are queue names that receive a copy of every published message.
	Subscribers []string `yaml:"subscribers"`
	// MaximumMessageSize in bytes; default 65536.
	MaximumMessageSize int `yaml:"maximumMessageSize"`
}

// Bucket is an OSS bucket. In YAML it is either a name or a mapping.
type Bucket struct {
	Name string `yaml:"name"`
	// Region the bucket lives in; default: the world's region. A V4
	// signature must be scoped to it, as OSS requires.
	Region string `yaml:"region"`
}

// UnmarshalYAML accepts a bare bucket name or a mapping.
func (b *Bucket) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Name = n.Value
		return nil
	}
	type plain Bucket
	return decodeStrict(n, (*plain)(b))
}

// Image is an ECS custom image.
type Image struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Region string `yaml:"region"`
	Owner  string `yaml:"owner"`
	// Status once available: Creating | Waiting | Available | UnAvailable |
	// CreateFailed | Deprecated. Default Available.
	Status string `yaml:"status"`
	// AvailableAfter keeps the image Creating until this much emulated time
	// has passed since the world started; then it has Status, except that
	// Status Creating (the image is being created, for that long) ends
	// Available. Without AvailableAfter, Creating stays Creating for ever.
	AvailableAfter Duration          `yaml:"availableAfter"`
	Tags           map[string]string `yaml:"tags"`
	// Encryption of its snapshots: none | cmk | service-key.
	Encryption string   `yaml:"encryption"`
	SharedWith []string `yaml:"sharedWith"`
	// Description is the image's description.
	Description string `yaml:"description"`
	// KMSKeyID is the customer-managed key of a cmk image (set on copies
	// made under a key).
	KMSKeyID string `yaml:"kmsKeyId"`
}

// Fault is an injected failure. Faults are matched in order; each matching
// call is counted, the first After pass, the next Times get the fault.
type Fault struct {
	// API is an ECS Action, an MNS operation (SendMessage, BatchSendMessage,
	// PublishMessage, ReceiveMessage, ...) or an OSS operation (PutObject,
	// GetObject, HeadObject, DeleteObject), or "*" for any.
	API string `yaml:"api"`
	// Code is a documented error code of the API (answered with its
	// documented status), or FaultTimeout, or FaultReset.
	Code  string `yaml:"code"`
	Times int    `yaml:"times"`
	After int    `yaml:"after"`
	// ImageID, Queue, Topic and Bucket narrow the fault to one resource.
	ImageID string `yaml:"imageId"`
	Queue   string `yaml:"queue"`
	Topic   string `yaml:"topic"`
	Bucket  string `yaml:"bucket"`
	// Apply makes a timeout or reset happen after the call took effect, the
	// ambiguous failure a client must read back before retrying.
	Apply bool `yaml:"apply"`
	// Status overrides the answered HTTP status (for codes the emulator does
	// not know, such as a bare 503).
	Status int `yaml:"status"`
}

// Fault codes that are not service error codes.
const (
	FaultTimeout = "timeout" // the call hangs until the client gives up
	FaultReset   = "reset"   // the connection is closed without an answer
)

// ECSActions are the ECS actions the emulator serves: the default scope of a
// rate limit, as the service limits each API of an account on its own.
var ECSActions = []string{
	"DescribeImages", "DescribeImageSharePermission", "ModifyImageSharePermission", "ListTagResources",
	"CopyImage",
}

// RateLimit is a token bucket on real time.
type RateLimit struct {
	CallsPerSecond float64 `yaml:"callsPerSecond"`
	Burst          int     `yaml:"burst"`
	// APIs limited, each with its own bucket (per API, as the service limits);
	// default every ECS API.
	APIs []string `yaml:"apis"`
}

// Duration is a time.Duration written as "90s", "2h" or a number of seconds.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts "90s"-style strings and plain seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: duration must be a string such as 90s", n.Line)
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		var secs float64
		if err := n.Decode(&secs); err != nil {
			return err
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalYAML accepts a bare queue name or a mapping.
func (q *Queue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		q.Name = n.Value
		return nil
	}
	type plain Queue
	return decodeStrict(n, (*plain)(q))
}

// UnmarshalYAML accepts a bare topic name or a mapping.
func (t *Topic) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		t.Name = n.Value
		return nil
	}
	type plain Topic
	return decodeStrict(n, (*plain)(t))
}

// decodeStrict decodes a mapping node rejecting unknown keys: Node.Decode
// does not inherit the decoder's KnownFields setting, so custom unmarshalers
// check the keys against the struct's yaml tags themselves.
func decodeStrict(n *yaml.Node, out any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a name or a mapping", n.Line)
	}
	t := reflect.TypeOf(out).Elem()
	known := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		known[name] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !known[k.Value] {
			return fmt.Errorf("line %d: field %s not found in type %s", k.Line, k.Value, t.Name())
		}
	}
	return n.Decode(out)
}

// MaxFileBytes bounds a world file (see package boundedread).
const MaxFileBytes = 8 << 20

// Load reads and validates a world file, at most MaxFileBytes.
func Load(path string) (*World, error) {
	data, err := boundedread.File(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates a world file; name is used in error messages.
func Parse(name string, data []byte) (*World, error) {
	l := &located{at: map[string]*yaml.Node{}, firstCol: map[int]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		l.decodeErrors(err)
		return nil, &ValidationError{File: name, Problems: l.sorted()}
	}
	l.walk(&root, reflect.TypeOf(World{}), "")
	var w World
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	decoded := true
	if err := dec.Decode(&w); err != nil && !errors.Is(err, io.EOF) {
		l.decodeErrors(err)
		decoded = onlyUnknownKeys(err)
	}
	if decoded {
		// Values are checked whenever they could all be read (an unknown
		// key aside), so that every problem is listed in one run, as for a
		// policy; a world read only in part would report noise.
		w.setDefaults()
		w.validate(l)
	}
	if len(l.problems) > 0 {
		return nil, &ValidationError{File: name, Problems: l.sorted()}
	}
	return &w, nil
}

// onlyUnknownKeys reports whether the decoder's error is only about unknown
// keys (which walk reported): the rest of the world was read.
func onlyUnknownKeys(err error) bool {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return false // a custom unmarshaler stopped the decoder
	}
	for _, m := range te.Errors {
		if !strings.Contains(m, " not found in type ") {
			return false
		}
	}
	return true
}

// accountID compiles on first use: the function binary links the emulator
// (for local and emulate) and must not pay for it at start-up.
var accountID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{16}$`) })

func (w *World) setDefaults() {
	if w.Region == "" {
		w.Region = "cn-hangzhou"
	}
	if w.MoreThan10 == "" {
		w.MoreThan10 = MoreThan10Ignore
	}
	if w.ShareQuota == 0 {
		w.ShareQuota = DefaultShareQuota
	}
	if w.AliyunIDType == "" {
		w.AliyunIDType = AliyunIDString
	}
	if w.CopyTakes == 0 {
		w.CopyTakes = DefaultCopyTakes
	}
	if w.StartTime.IsZero() {
		w.StartTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for i := range w.Queues {
		q := &w.Queues[i]
		if q.VisibilityTimeout == 0 {
			q.VisibilityTimeout = Duration(30 * time.Second)
		}
		if q.MaximumMessageSize == 0 {
			q.MaximumMessageSize = 65536
		}
	}
	for i := range w.Topics {
		if w.Topics[i].MaximumMessageSize == 0 {
			w.Topics[i].MaximumMessageSize = 65536
		}
	}
	for i := range w.Buckets {
		if w.Buckets[i].Region == "" {
			w.Buckets[i].Region = w.Region
		}
	}
	for i := range w.Images {
		im := &w.Images[i]
		if im.Region == "" {
			im.Region = w.Region
		}
		if im.Owner == "" {
			im.Owner = w.Owner
		}
		if im.Status == "" {
			im.Status = "Available"
		}
		if im.Encryption == "" {
			im.Encryption = "none"
		}
	}
	if len(w.Regions) == 0 {
		w.Regions = slices.Clone(DefaultRegions)
		w.Regions = append(w.Regions, w.Region)
		for _, im := range w.Images {
			w.Regions = append(w.Regions, im.Region)
		}
		slices.Sort(w.Regions)
		w.Regions = slices.Compact(w.Regions)
	}
	for i := range w.Faults {
		if w.Faults[i].Times == 0 {
			w.Faults[i].Times = 1
		}
	}
	if rd := w.ResourceDirectory; rd != nil {
		if rd.RootFolderID == "" {
			rd.RootFolderID = "r-root01"
		}
		defaultStatuses(rd.Accounts)
		var walk func([]Folder)
		walk = func(fs []Folder) {
			for i := range fs {
				defaultStatuses(fs[i].Accounts)
				walk(fs[i].Folders)
			}
		}
		walk(rd.Folders)
		// Every member of the directory is an account that exists, so ECS
		// accepts shares with it.
		for _, a := range rd.Members() {
			if !slices.Contains(w.Accounts, a.ID) {
				w.Accounts = append(w.Accounts, a.ID)
			}
		}
	}
}

// Members returns every member account of the directory as written, the
// management account first, then the root's, then each folder's, depth first.
func (rd *ResourceDirectory) Members() []DirectoryAccount {
	out := []DirectoryAccount{{ID: rd.ManagementAccount, Status: "CreateSuccess"}}
	out = append(out, rd.Accounts...)
	var walk func([]Folder)
	walk = func(fs []Folder) {
		for _, f := range fs {
			out = append(out, f.Accounts...)
			walk(f.Folders)
		}
	}
	walk(rd.Folders)
	return out
}

func defaultStatuses(as []DirectoryAccount) {
	for i := range as {
		if as[i].Status == "" {
			as[i].Status = "CreateSuccess"
		}
	}
}

var (
	// Compiled on first use, as accountID (cold start).
	folderID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^fd-[A-Za-z0-9]{10}$`) })
	rootID   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^r-[A-Za-z0-9]{6}$`) })
)

// validateDirectory checks ids, uniqueness and statuses.
func (rd *ResourceDirectory) validate(l *located) {
	const at = "resourceDirectory"
	if !accountID().MatchString(rd.ManagementAccount) {
		l.add(at+".managementAccount", "resourceDirectory.managementAccount %q is not a 16-digit account id", rd.ManagementAccount)
	}
	if !rootID().MatchString(rd.RootFolderID) {
		l.add(at+".rootFolderId", "resourceDirectory.rootFolderId %q is not r- and 6 letters or digits", rd.RootFolderID)
	}
	for i, a := range rd.DelegatedAdministrators {
		if !accountID().MatchString(a) {
			l.add(fmt.Sprintf("%s.delegatedAdministrators[%d]", at, i), "resourceDirectory.delegatedAdministrators: %q is not a 16-digit account id", a)
		}
	}
	seen := map[string]string{rd.ManagementAccount: "the root (management account)"}
	accounts := func(where, path string, as []DirectoryAccount) {
		for i, a := range as {
			ap := fmt.Sprintf("%s.accounts[%d]", path, i)
			switch {
			case !accountID().MatchString(a.ID):
				l.add(ap, "resourceDirectory %s: account %q is not a 16-digit account id", where, a.ID)
			case seen[a.ID] != "":
				l.add(ap, "resourceDirectory %s: account %s is already a member of %s (an account is in one folder)", where, a.ID, seen[a.ID])
			default:
				seen[a.ID] = where
			}
			if !slices.Contains(DirectoryAccountStatuses, a.Status) {
				l.add(ap+".status", "resourceDirectory %s: account %s: status %q is not one of %v", where, a.ID, a.Status, DirectoryAccountStatuses)
			}
		}
	}
	accounts("root", at, rd.Accounts)
	folders := map[string]bool{}
	var walk func(string, []Folder)
	walk = func(path string, fs []Folder) {
		for i, f := range fs {
			fp := fmt.Sprintf("%s.folders[%d]", path, i)
			if !folderID().MatchString(f.ID) || folders[f.ID] {
				l.add(fp+".id", "resourceDirectory: folder id %q must be fd- and 10 letters or digits, and unique", f.ID)
			}
			folders[f.ID] = true
			accounts("folder "+f.ID, fp, f.Accounts)
			walk(fp, f.Folders)
		}
	}
	walk(at, rd.Folders)
}

var (
	imageStatuses = []string{"Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated"}
	encryptions   = []string{"none", "cmk", "service-key"}
)

func (w *World) validate(l *located) {
	if !accountID().MatchString(w.Owner) {
		l.add("owner", "owner %q is not a 16-digit account id", w.Owner)
	}
	if w.Credentials.AccessKeyID == "" || w.Credentials.AccessKeySecret == "" {
		l.add("credentials", "credentials.accessKeyId and credentials.accessKeySecret are required")
	}
	for i, a := range w.Accounts {
		if !accountID().MatchString(a) {
			l.add(fmt.Sprintf("accounts[%d]", i), "accounts: %q is not a 16-digit account id", a)
		}
	}
	if w.MoreThan10 != MoreThan10Ignore && w.MoreThan10 != MoreThan10First10 {
		l.add("moreThan10", "moreThan10 must be %q or %q, not %q", MoreThan10Ignore, MoreThan10First10, w.MoreThan10)
	}
	if w.ShareQuota < 1 {
		l.add("shareQuota", "shareQuota must be 1 or more, not %d", w.ShareQuota)
	}
	if w.AliyunIDType != AliyunIDString && w.AliyunIDType != AliyunIDNumber {
		l.add("aliyunIdType", "aliyunIdType must be %q or %q, not %q", AliyunIDString, AliyunIDNumber, w.AliyunIDType)
	}
	for i, a := range w.OtherSiteAccounts {
		p := fmt.Sprintf("otherSiteAccounts[%d]", i)
		if !accountID().MatchString(a) {
			l.add(p, "otherSiteAccounts: %q is not a 16-digit account id", a)
		}
		if slices.Contains(w.Accounts, a) || a == w.Owner {
			l.add(p, "otherSiteAccounts: %s is also an account of this site", a)
		}
	}
	seen := map[string]bool{}
	for i, q := range w.Queues {
		if q.Name == "" || seen["q:"+q.Name] {
			l.add(fmt.Sprintf("queues[%d]", i), "queues: empty or duplicate name %q", q.Name)
		}
		seen["q:"+q.Name] = true
	}
	for i, t := range w.Topics {
		tp := fmt.Sprintf("topics[%d]", i)
		if t.Name == "" || seen["t:"+t.Name] {
			l.add(tp, "topics: empty or duplicate name %q", t.Name)
		}
		seen["t:"+t.Name] = true
		for j, s := range t.Subscribers {
			if !slices.ContainsFunc(w.Queues, func(q Queue) bool { return q.Name == s }) {
				var names []string
				for _, q := range w.Queues {
					names = append(names, q.Name)
				}
				hint := ""
				if c := suggest.Closest(s, names); c != "" {
					hint = fmt.Sprintf(" (did you mean %s?)", c)
				}
				l.add(fmt.Sprintf("%s.subscribers[%d]", tp, j), "topic %s: subscriber queue %q is not declared in queues%s", t.Name, s, hint)
			}
		}
	}
	w.validateBuckets(l)
	for i, im := range w.Images {
		ip := fmt.Sprintf("images[%d]", i)
		if !strings.HasPrefix(im.ID, "m-") || seen["i:"+im.ID] {
			l.add(ip+".id", "images: id %q must start with m- and be unique", im.ID)
		}
		seen["i:"+im.ID] = true
		if !slices.Contains(imageStatuses, im.Status) {
			l.add(ip+".status", "image %s: status %q is not one of %v%s", im.ID, im.Status, imageStatuses, didYouMean(im.Status, imageStatuses))
		}
		if !slices.Contains(encryptions, im.Encryption) {
			l.add(ip+".encryption", "image %s: encryption %q is not one of %v%s", im.ID, im.Encryption, encryptions, didYouMean(im.Encryption, encryptions))
		}
		// A defaulted owner is the world's, reported once above.
		if im.Owner != w.Owner && !accountID().MatchString(im.Owner) {
			l.add(ip+".owner", "image %s: owner %q is not a 16-digit account id", im.ID, im.Owner)
		}
		for j, a := range im.SharedWith {
			if !accountID().MatchString(a) {
				l.add(fmt.Sprintf("%s.sharedWith[%d]", ip, j), "image %s: sharedWith %q is not a 16-digit account id", im.ID, a)
			}
		}
		if len(im.SharedWith) > w.ShareQuota {
			l.add(ip+".sharedWith", "image %s: shared with %d accounts, above the per-image quota shareQuota %d", im.ID, len(im.SharedWith), w.ShareQuota)
		}
	}
	for i, f := range w.Faults {
		fp := fmt.Sprintf("faults[%d]", i)
		if f.API == "" || f.Code == "" {
			l.add(fp, "faults[%d]: api and code are required", i)
		}
		if f.Times < 0 || f.After < 0 {
			l.add(fp, "faults[%d]: times and after must not be negative", i)
		}
	}
	if w.CopyTakes < 0 {
		l.add("copyTakes", "copyTakes must not be negative")
	}
	for i, k := range w.KMSKeys {
		if k.ID == "" || seen["k:"+k.Region+"/"+k.ID] {
			l.add(fmt.Sprintf("kmsKeys[%d]", i), "kmsKeys[%d]: empty or duplicate key id %q", i, k.ID)
		}
		seen["k:"+k.Region+"/"+k.ID] = true
	}
	if rd := w.ResourceDirectory; rd != nil {
		rd.validate(l)
	}
	if rl := w.RateLimit; rl != nil && rl.CallsPerSecond <= 0 {
		l.add("rateLimit.callsPerSecond", "rateLimit.callsPerSecond must be positive")
	}
}

// didYouMean is " (did you mean X?)" for the closest of known, or "".
func didYouMean(s string, known []string) string {
	if c := suggest.Closest(s, known); c != "" {
		return fmt.Sprintf(" (did you mean %s?)", c)
	}
	return ""
}

// AccountExists reports whether id is a known account: listed, the owner, or an image owner.
func (w *World) AccountExists(id string) bool {
	if id == w.Owner || slices.Contains(w.Accounts, id) {
		return true
	}
	return slices.ContainsFunc(w.Images, func(im Image) bool { return im.Owner == id })
}
