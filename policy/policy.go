package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A Policy is a validated sharing policy, ready to evaluate. It is immutable,
// so one Policy may be used by any number of goroutines.
type Policy struct {
	groups      map[string][]string // group name -> members, sorted
	dirGroups   map[string]string   // Resource Directory group name -> folder id ("" the whole directory)
	allowed     map[string]bool     // the allow-list, without directory members
	protected   map[string]bool
	protectList []string // protected, sorted
	rules       []rule   // in file order, which is the order of because entries
	index       index
	prune       bool
	maxRemovals int
	maxShares   int
	regions     []string // sorted union of the regions rules name
	copyRegions []string // sorted union of the regions rules copy to
	everyRegion bool     // some rule names no regions
	warnings    []Problem
}

// A rule is a compiled rule: groups are expanded, so evaluating it is a few
// map lookups.
type rule struct {
	name     string
	tags     []tagMatch
	regions  []string // empty: every region
	shares   []share  // from shareWith, in file order
	tagValue string   // shareWithTagValue; "" if none
	// dirShares are the Resource Directory groups of shareWith, in file
	// order: their members are only known once the directory is read.
	dirShares []dirShare
	prune     *bool    // nil: the policy's prune
	protect   []string // besides the policy's protect, on the images the rule matches
	copyTo    []CopyTarget
	// reencrypt is the KMS key an encrypted image the rule matches is
	// copied under, in its own region; "" if none.
	reencrypt string
}

// A dirShare is a Resource Directory group a rule shares with.
type dirShare struct {
	group, folder string // folder "" is the whole directory
}

// A tagMatch is one condition of match.tags.
type tagMatch struct {
	key    string
	any    bool     // "*": the key is present, whatever its value
	values []string // otherwise the value must be one of these
}

// A share is one account a rule asks for, and why (a because entry).
type share struct {
	account, reason string
}

// matches reports whether img meets every condition of r.
func (r *rule) matches(img Image) bool {
	if len(r.regions) > 0 && !slices.Contains(r.regions, img.Region) {
		return false
	}
	for _, t := range r.tags {
		v, ok := img.Tags[t.key]
		if !ok || !t.any && !slices.Contains(t.values, v) {
			return false
		}
	}
	return true
}

// Allowed reports whether share and unshare requests may name account: it is
// a member of a group, a literal id in a rule's shareWith, or listed in allow.
func (p *Policy) Allowed(account string) bool { return p.allowed[account] }

// Protected reports whether account is listed in protect: its shares are
// never removed, whatever prune or an unshare request says.
func (p *Policy) Protected(account string) bool { return p.protected[account] }

// Prune reports the policy-level prune: the default of every rule, and what
// applies to an image that no rule matches. Decision.Prune says what applies
// to one image.
func (p *Policy) Prune() bool { return p.prune }

// A DirectoryGroup is a group whose members are read from the Resource
// Directory: a folder and its subfolders, or the whole directory.
type DirectoryGroup struct {
	Name   string
	Folder string // fd-...; "" for the whole directory
}

func (g DirectoryGroup) String() string { return g.Name + " (" + dirLabel(g.Folder) + ")" }

// DirectoryGroups returns the policy's Resource Directory groups, sorted by
// name. They are the dynamic part of the policy: what they hold is only known
// once the directory is read.
func (p *Policy) DirectoryGroups() []DirectoryGroup {
	var gs []DirectoryGroup
	for _, name := range slices.Sorted(maps.Keys(p.dirGroups)) {
		gs = append(gs, DirectoryGroup{Name: name, Folder: p.dirGroups[name]})
	}
	return gs
}

// MaxRemovalsPerImage is the most shares one reconcile or unshare may remove
// from one image; a larger removal is refused (RemovalLimitExceeded). It is 10
// when the policy does not say, and 0 means no removal is ever allowed.
func (p *Policy) MaxRemovalsPerImage() int { return p.maxRemovals }

// MaxSharesPerImage is the most accounts an image may be shared with: the
// account's ECS quota, 50 unless the policy says a ticket raised it. The
// validator holds each rule to it, and the engine plans within it.
func (p *Policy) MaxSharesPerImage() int { return p.maxShares }

// Regions returns the regions named by rules, sorted. It says where the
// restricted rules apply; it is not the whole answer to "where can a rule
// match" when EveryRegion is true. A sweep should scan Regions() and, when
// EveryRegion() is true, also every region it would scan anyway (its own
// region, or its configured list). Regions is empty when no rule names a
// region.
func (p *Policy) Regions() []string { return slices.Clone(p.regions) }

// CopyRegions returns the regions rules copy images to (copyTo), sorted. A
// sweep scans them too, so that copies are shared and kept in line like any
// image.
func (p *Policy) CopyRegions() []string { return slices.Clone(p.copyRegions) }

// EveryRegion reports whether some rule has no regions and so applies to
// images in every region.
func (p *Policy) EveryRegion() bool { return p.everyRegion }

// Warnings returns what is legal but probably not meant (a repeated account
// id, an empty group, no rules), in file order.
func (p *Policy) Warnings() []Problem { return slices.Clone(p.warnings) }

// Summary describes a policy in numbers, for the validate command.
type Summary struct {
	Rules               int
	Groups              int
	Allowed             int // size of the allow-list
	Protected           int
	Prune               bool
	MaxRemovalsPerImage int
	MaxSharesPerImage   int
	Regions             []string // as Policy.Regions
	EveryRegion         bool     // as Policy.EveryRegion
	Warnings            int
	// Directory lists the Resource Directory groups (dynamic: read when
	// needed), as "name (folder fd-...)" or "name (resource directory)".
	Directory []string
}

// Summary returns the policy's Summary.
func (p *Policy) Summary() Summary {
	s := Summary{
		Rules:               len(p.rules),
		Groups:              len(p.groups) + len(p.dirGroups),
		Allowed:             len(p.allowed),
		Protected:           len(p.protected),
		Prune:               p.prune,
		MaxRemovalsPerImage: p.maxRemovals,
		MaxSharesPerImage:   p.maxShares,
		Regions:             p.Regions(),
		EveryRegion:         p.everyRegion,
		Warnings:            len(p.warnings),
	}
	for _, g := range p.DirectoryGroups() {
		s.Directory = append(s.Directory, g.String())
	}
	return s
}

// String renders s on one line, such as
//
//	3 rules, 3 groups, 8 allowed accounts, 1 protected, prune: false, maxRemovalsPerImage: 10, maxSharesPerImage: 50, regions swept: cn-hangzhou + the home region, 0 warnings
//
// The regions are those a sweep and a plan without --region cover (see
// docs/policy.md, "Regions"): the named ones, plus the home region (the
// function's own, or the CLI's default region) when a rule names none.
func (s Summary) String() string {
	regions := strings.Join(s.Regions, ", ")
	switch {
	case s.EveryRegion && regions != "":
		regions += " + the home region"
	case s.EveryRegion:
		regions = "the home region"
	case regions == "":
		regions = "none"
	}
	out := fmt.Sprintf("%s, %s, %s, %d protected, prune: %t, maxRemovalsPerImage: %d, maxSharesPerImage: %d, regions swept: %s, %s",
		plural(s.Rules, "rule"), plural(s.Groups, "group"), plural(s.Allowed, "allowed account"),
		s.Protected, s.Prune, s.MaxRemovalsPerImage, s.MaxSharesPerImage, regions, plural(s.Warnings, "warning"))
	if len(s.Directory) > 0 {
		out += "; dynamic groups, read from the Resource Directory when needed: " + strings.Join(s.Directory, ", ")
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
