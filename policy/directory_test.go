package policy

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// fakeDirectory is the Resource Directory as read: members per folder ("" the
// whole directory), or an error per folder.
type fakeDirectory struct {
	members map[string][]string
	errs    map[string]error
}

func (f fakeDirectory) Members(folder string) ([]string, error) {
	if err, ok := f.errs[folder]; ok {
		return nil, err
	}
	return f.members[folder], nil
}

// dirPolicy has a folder group, a whole-directory group, a static group and
// rules with their own prune and protect.
var dirPolicy = lines(
	"version: 1", // 1
	"groups:",    // 2
	"  apps: {resourceDirectoryFolder: fd-3o9xo2mu1p}", // 3
	"  everyone: {resourceDirectory: true}",            // 4
	`  ops: ["5000000000000001"]`,                      // 5
	"rules:",                                           // 6
	"  - name: apps-images",                            // 7
	"    match: {tags: {team: apps}}",                  // 8
	"    shareWith: [apps, ops]",                       // 9
	"    prune: true",                                  // 10
	`    protect: ["7000000000000001"]`,                // 11
	"  - name: base-images",                            // 12
	"    match: {tags: {base: \"*\"}}",                 // 13
	"    shareWith: [everyone]",                        // 14
	"  - name: web-images",                             // 15
	"    match: {tags: {team: web}}",                   // 16
	"    shareWith: [ops]",                             // 17
	"  - name: tagged",                                 // 18
	"    match: {tags: {share-with: \"*\"}}",           // 19
	"    shareWithTagValue: share-with",                // 20
	`protect: ["9000000000000009"]`,                    // 21
)

var readDirectory = fakeDirectory{members: map[string][]string{
	"fd-3o9xo2mu1p": {"6000000000000001", "6000000000000002"},
	"":              {"6000000000000001", "6000000000000002", "6000000000000003"},
}}

func TestDirectoryGroups(t *testing.T) {
	p := mustParse(t, dirPolicy)
	want := []DirectoryGroup{{Name: "apps", Folder: "fd-3o9xo2mu1p"}, {Name: "everyone"}}
	if got := p.DirectoryGroups(); !reflect.DeepEqual(got, want) {
		t.Errorf("DirectoryGroups() = %+v, want %+v", got, want)
	}
	const wantSummary = "4 rules, 3 groups, 1 allowed account, 1 protected, prune: false, maxRemovalsPerImage: 10, maxSharesPerImage: 50, " +
		"regions swept: the home region, 1 warning; dynamic groups, read from the Resource Directory when needed: " +
		"apps (folder fd-3o9xo2mu1p), everyone (resource directory)"
	if got := p.Summary().String(); got != wantSummary {
		t.Errorf("Summary():\n got: %s\nwant: %s", got, wantSummary)
	}
	w := p.Warnings()
	if len(w) != 1 || w[0].Line != 18 || !strings.Contains(w[0].Message, "tag values cannot name the Resource Directory groups (apps, everyone)") {
		t.Errorf("Warnings() = %v", w)
	}
	if p.Allowed("6000000000000001") {
		t.Error("Allowed: a directory member is not on the static allow-list; AuthorizeIn decides")
	}
}

func TestDirectoryWarnings(t *testing.T) {
	p := mustParse(t, lines("version: 1", "groups:", "  a: {resourceDirectoryFolder: fd-3o9xo2mu1p}", "  b: {resourceDirectoryFolder: fd-3o9xo2mu1p}",
		"rules:", "  - name: r", "    match: {regions: [cn-hangzhou]}", "    shareWith: [a, b]"))
	w := p.Warnings()
	if len(w) != 1 || w[0].Line != 4 || !strings.Contains(w[0].Message, `group "b" reads the same folder fd-3o9xo2mu1p as group "a"`) {
		t.Errorf("Warnings() = %v", w)
	}
}

func TestDesiredInDirectory(t *testing.T) {
	p := mustParse(t, dirPolicy)
	unreadable := outcome.Errorf(outcome.DirectoryUnavailable, "not the management account")
	img := func(tags ...string) Image {
		m := map[string]string{}
		for i := 0; i+1 < len(tags); i += 2 {
			m[tags[i]] = tags[i+1]
		}
		return Image{ID: "m-1", Region: "cn-hangzhou", OwnerID: "6000000000000002", Tags: m}
	}
	for _, tc := range []struct {
		name        string
		img         Image
		dir         Directory
		accounts    []string
		because     map[string][]string
		prune       bool
		protect     []string
		unavailable []string // group names
		unknown     []UnknownGroup
	}{
		{
			name: "folder members, owner left out, rule prune and protect",
			img:  img("team", "apps"), dir: readDirectory,
			accounts: []string{"5000000000000001", "6000000000000001"},
			because: map[string][]string{
				"5000000000000001": {"apps-images/ops"},
				"6000000000000001": {"apps-images/apps (folder fd-3o9xo2mu1p)"},
			},
			prune: true, protect: []string{"7000000000000001", "9000000000000009"},
		},
		{
			name: "whole directory; a rule without prune never prunes",
			img:  img("base", "x"), dir: readDirectory,
			accounts: []string{"6000000000000001", "6000000000000003"},
			because: map[string][]string{
				"6000000000000001": {"base-images/everyone (resource directory)"},
				"6000000000000003": {"base-images/everyone (resource directory)"},
			},
			protect: []string{"9000000000000009"},
		},
		{
			name: "one matching rule with prune is enough",
			img:  img("team", "apps", "base", "x"), dir: readDirectory,
			accounts: []string{"5000000000000001", "6000000000000001", "6000000000000003"},
			because: map[string][]string{
				"5000000000000001": {"apps-images/ops"},
				"6000000000000001": {"apps-images/apps (folder fd-3o9xo2mu1p)", "base-images/everyone (resource directory)"},
				"6000000000000003": {"base-images/everyone (resource directory)"},
			},
			prune: true, protect: []string{"7000000000000001", "9000000000000009"},
		},
		{
			name: "unreadable folder: the rule's other groups still share, nothing is pruned",
			img:  img("team", "apps"), dir: fakeDirectory{errs: map[string]error{"fd-3o9xo2mu1p": unreadable}},
			accounts:    []string{"5000000000000001"},
			because:     map[string][]string{"5000000000000001": {"apps-images/ops"}},
			protect:     []string{"7000000000000001", "9000000000000009"},
			unavailable: []string{"apps"},
		},
		{
			name: "no directory at all",
			img:  img("team", "apps", "base", "x"), dir: nil,
			accounts:    []string{"5000000000000001"},
			because:     map[string][]string{"5000000000000001": {"apps-images/ops"}},
			protect:     []string{"7000000000000001", "9000000000000009"},
			unavailable: []string{"apps", "everyone"},
		},
		{
			name: "a rule without directory groups needs no directory",
			img:  img("team", "web"), dir: nil,
			accounts: []string{"5000000000000001"},
			because:  map[string][]string{"5000000000000001": {"web-images/ops"}},
			protect:  []string{"9000000000000009"},
		},
		{
			name: "a tag cannot name a directory group",
			img:  img("share-with", "everyone ops"), dir: readDirectory,
			accounts: []string{"5000000000000001"},
			because:  map[string][]string{"5000000000000001": {"tagged/ops (tag share-with)"}},
			protect:  []string{"9000000000000009"},
			unknown:  []UnknownGroup{{Rule: "tagged", Tag: "share-with", Name: "everyone", Directory: true}},
		},
		{
			name: "no rule matches: the policy's prune (false)",
			img:  img("other", "x"), dir: readDirectory,
			protect: []string{"9000000000000009"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.DesiredIn(tc.img, tc.dir)
			if !slices.Equal(d.Accounts, tc.accounts) || !reflect.DeepEqual(d.Because, tc.because) {
				t.Errorf("accounts %v because %v\nwant %v because %v", d.Accounts, d.Because, tc.accounts, tc.because)
			}
			if d.Prune != tc.prune || !slices.Equal(d.Protect, tc.protect) {
				t.Errorf("prune %t protect %v, want %t %v", d.Prune, d.Protect, tc.prune, tc.protect)
			}
			var groups []string
			for _, u := range d.Unavailable {
				groups = append(groups, u.Group)
				if !errors.Is(u.Err, unreadable) && tc.dir != nil {
					t.Errorf("Unavailable %s: err %v, want the directory's", u.Group, u.Err)
				}
				if outcome.CodeOf(u.Err) != outcome.DirectoryUnavailable {
					t.Errorf("Unavailable %s: code %s", u.Group, outcome.CodeOf(u.Err))
				}
			}
			if !slices.Equal(groups, tc.unavailable) {
				t.Errorf("unavailable %v, want %v", groups, tc.unavailable)
			}
			if !reflect.DeepEqual(d.UnknownGroups, tc.unknown) {
				t.Errorf("unknown %+v, want %+v", d.UnknownGroups, tc.unknown)
			}
		})
	}

	const wantU = `rule "apps-images": group apps (folder fd-3o9xo2mu1p) could not be read from the Resource Directory, ` +
		`so its members were neither shared with nor removed: DirectoryUnavailable: x`
	u := Unavailable{Rule: "apps-images", Group: "apps", Folder: "fd-3o9xo2mu1p", Err: outcome.Errorf(outcome.DirectoryUnavailable, "x")}
	if u.String() != wantU {
		t.Errorf("Unavailable.String():\n got: %s\nwant: %s", u, wantU)
	}
	const wantTag = `rule "tagged": tag share-with names "everyone", a Resource Directory group; tag values may only name groups of listed accounts; nothing was shared for it`
	if got := (UnknownGroup{Rule: "tagged", Tag: "share-with", Name: "everyone", Directory: true}).String(); got != wantTag {
		t.Errorf("UnknownGroup.String():\n got: %s\nwant: %s", got, wantTag)
	}
}

// TestRulePruneDefaults checks that the policy's prune is every rule's
// default, that a rule may turn it off for its images, and that an image no
// rule matches follows the policy's.
func TestRulePruneDefaults(t *testing.T) {
	p := mustParse(t, lines("version: 1", `groups: {a: ["2000000000000001"]}`,
		"rules:",
		"  - {name: default, match: {tags: {team: a}}, shareWith: [a]}",
		"  - {name: off, match: {tags: {team: b}}, shareWith: [a], prune: false}",
		"prune: true"))
	for _, tc := range []struct {
		tags map[string]string
		want bool
	}{
		{map[string]string{"team": "a"}, true},
		{map[string]string{"team": "b"}, false},
		{map[string]string{"other": "x"}, true},
	} {
		if got := p.Desired(Image{Region: "cn-hangzhou", Tags: tc.tags}).Prune; got != tc.want {
			t.Errorf("%v: Prune = %t, want %t", tc.tags, got, tc.want)
		}
	}
}

func TestAuthorizeInDirectory(t *testing.T) {
	p := mustParse(t, dirPolicy)
	throttled := &outcome.Error{Code: outcome.DirectoryUnavailable, Retryable: true, Message: "throttled"}
	type denial struct {
		account   string
		code      outcome.Code
		retryable bool
	}
	for _, tc := range []struct {
		name    string
		names   []string
		dir     Directory
		because map[string][]string
		denied  []denial
	}{
		{name: "a folder member is allowed", names: []string{"6000000000000002"}, dir: readDirectory,
			because: map[string][]string{"6000000000000002": {"request"}}},
		{name: "a directory group", names: []string{"apps"}, dir: readDirectory,
			because: map[string][]string{"6000000000000001": {"request/apps"}, "6000000000000002": {"request/apps"}}},
		{name: "not a member", names: []string{"8000000000000001"}, dir: readDirectory,
			denied: []denial{{"8000000000000001", outcome.PolicyDenied, false}}},
		{name: "unreadable: unknown, not denied by policy", names: []string{"8000000000000001", "apps", "ops"},
			dir:     fakeDirectory{errs: map[string]error{"fd-3o9xo2mu1p": throttled, "": throttled}},
			because: map[string][]string{"5000000000000001": {"request/ops"}},
			denied:  []denial{{"8000000000000001", outcome.DirectoryUnavailable, true}, {"apps", outcome.DirectoryUnavailable, true}}},
		{name: "a member of a readable folder while another is not", names: []string{"6000000000000001"},
			dir:     fakeDirectory{members: readDirectory.members, errs: map[string]error{"": throttled}},
			because: map[string][]string{"6000000000000001": {"request"}}},
		{name: "without a directory", names: []string{"everyone"}, dir: nil,
			denied: []denial{{"everyone", outcome.DirectoryUnavailable, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accounts, because, denied := p.AuthorizeIn(tc.names, tc.dir)
			var granted []string
			for a := range tc.because {
				granted = append(granted, a)
			}
			slices.Sort(granted)
			if !slices.Equal(accounts, granted) || !reflect.DeepEqual(because, tc.because) {
				t.Errorf("granted %v because %v, want %v", accounts, because, tc.because)
			}
			var got []denial
			for _, e := range denied {
				got = append(got, denial{e.Account, e.Code, e.Retryable})
			}
			if !slices.Equal(got, tc.denied) {
				t.Errorf("denied %+v, want %+v", got, tc.denied)
			}
		})
	}
}
