package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/imageshare/ecs-image-share/outcome"
)

// An Image is what the policy needs to know about an ECS image.
type Image struct {
	ID      string
	Region  string
	OwnerID string // the owner's account is never desired
	Tags    map[string]string
	// Encrypted is true when the image's snapshots are encrypted (by any
	// key: DescribeImages does not say which). A rule with reencrypt shares
	// such an image through a copy under its key instead of directly.
	Encrypted bool
	// IsCopy is true for a copy the product made (it carries the provenance
	// tag): it is shared like its source but never copied again. The caller
	// passes the source's region as Region, so that rules restricted to the
	// source's region share its copies everywhere.
	IsCopy bool
}

// A CopyTarget is a copy the policy wants of an image.
type CopyTarget struct {
	// Region is where the copy goes.
	Region string
	// KMSKeyID, when set, encrypts the copy with that customer-managed key
	// (Encrypted=true, KMSKeyId on CopyImage).
	KMSKeyID string
	// Reencrypt marks the copy of an encrypted image in its own region,
	// made because the rule says reencrypt.
	Reencrypt bool
	// Rule is the rule that asked for the copy.
	Rule string
}

// A Decision is what the policy wants for one image.
type Decision struct {
	// Accounts is the desired set: the union of every matching rule's
	// accounts, without the image's owner, sorted, without repeats. It is nil
	// when no account is desired.
	Accounts []string

	// Because holds, for each account of Accounts, why it is desired, in the
	// order of the rules in the file:
	//
	//	"prod-images"                              the rule lists the account id itself
	//	"prod-images/prod"                         the rule shares with group prod
	//	"opt-in-by-tag/partners (tag share-with)"  the image's share-with tag names group partners
	//
	// Rule and group names cannot contain '/', ' ' or '(' so the form is
	// unambiguous. Because is nil when no account is desired.
	Because map[string][]string

	// Rules names the rules that matched, in file order.
	Rules []string

	// UnknownGroups lists the names in shareWithTagValue tags that are not
	// groups of the policy (or are Resource Directory groups, which tags may
	// not name). Nothing is shared for them; they are reported so that a typo
	// in a tag does not go unnoticed.
	UnknownGroups []UnknownGroup

	// Prune says whether shares that no matching rule wants are removed from
	// this image: true when a matching rule has prune: true (its own, or the
	// policy's as default), the policy's prune when no rule matches, and
	// always false when a directory group of a matching rule could not be
	// read (Unavailable): an account missing from what was read may well be
	// a member.
	Prune bool

	// PrunedBy names the matching rules whose prune is true (their own or
	// the policy's default), in file order: what a removal's reason cites.
	PrunedBy []string

	// Protect lists the accounts never removed from this image: the
	// policy's protect and that of every matching rule, sorted.
	Protect []string

	// Unavailable lists the directory groups of matching rules that could
	// not be read. Their members are neither added nor removed.
	Unavailable []Unavailable

	// Copies are the copies the matching rules want (copyTo, and reencrypt
	// for an encrypted image), one per region, the first rule in file order
	// deciding a region's key. Never set for a copy.
	Copies []CopyTarget

	// Moved are the accounts that rules with reencrypt want for an
	// encrypted image: they are shared with its copy, not with the image
	// (and are not in Accounts unless another rule wants them too). A
	// caller must not prune them from the image because of that. Sorted.
	Moved []string
}

// A Directory answers the members of the Resource Directory: Members(folder)
// returns the member accounts of a folder and of all its subfolders, or of
// the whole directory when folder is "", sorted and without repeats, or why
// they could not be read. The
// caller reads the directory (package directory) at most once per
// invocation; the policy only looks the answers up.
type Directory interface {
	Members(folder string) ([]string, error)
}

// An Unavailable is a directory group a matching rule shares with whose
// members could not be read.
type Unavailable struct {
	Rule, Group string
	Folder      string // "" for the whole directory
	Err         error  // why; a *outcome.Error with code DirectoryUnavailable from package directory
}

func (u Unavailable) String() string {
	return fmt.Sprintf("rule %q: group %s (%s) could not be read from the Resource Directory, "+
		"so its members were neither shared with nor removed: %v", u.Rule, u.Group, dirLabel(u.Folder), u.Err)
}

// An UnknownGroup is a name in an image's tag (for a rule's
// shareWithTagValue) that is not a group of the policy.
type UnknownGroup struct {
	Rule string // the rule with shareWithTagValue
	Tag  string // the tag key
	Name string // the name as it appears in the tag's value
	// Directory is true when Name is a Resource Directory group, which tags
	// may not name.
	Directory bool
}

func (u UnknownGroup) String() string {
	why := "which is not a group of the policy"
	switch {
	case u.Directory:
		// A folder grows without the policy changing: naming one must
		// take a change to the policy, not to a tag.
		why = "a Resource Directory group; tag values may only name groups of listed accounts"
	case isDigits(u.Name):
		// Tags are writable by more people than the policy is, so a tag
		// must not be able to share with an arbitrary account.
		why = "an account id; tag values may only name groups"
	}
	return fmt.Sprintf("rule %q: tag %s names %q, %s; nothing was shared for it", u.Rule, u.Tag, u.Name, why)
}

// Desired evaluates the policy for img. Rules are a union: an account is
// desired when any matching rule asks for it. A rule matches when every
// tag it lists matches (an exact value, any value of a list, or "*" for a
// tag that is present with any value, even empty) and, if it lists regions,
// the image is in one of them.
//
// A rule's shareWithTagValue names a tag whose value lists group names,
// separated by commas and/or white space; names are matched exactly
// (case-sensitively). A name that is not a group, including an account id,
// is reported in UnknownGroups and shares nothing.
//
// Desired is DesiredIn without a directory: every Resource Directory group is
// Unavailable.
func (p *Policy) Desired(img Image) Decision { return p.DesiredIn(img, nil) }

// DesiredIn is Desired with the Resource Directory as read (nil when it was
// not read): a rule's directory groups share with their members, because
// "rule/group (folder fd-...)" or "rule/group (resource directory)".
func (p *Policy) DesiredIn(img Image, dir Directory) Decision {
	var d Decision
	prune, matched := false, false
	protect := maps.Clone(p.protected)
	for _, i := range p.index.candidates(img) {
		r := &p.rules[i]
		if !r.matches(img) {
			continue
		}
		matched = true
		d.Rules = append(d.Rules, r.name)
		if p.rulePrune(r) {
			prune = true
			d.PrunedBy = append(d.PrunedBy, r.name)
		}
		for _, a := range r.protect {
			protect[a] = true
		}
		// A rule with reencrypt gives an encrypted image's accounts to its
		// copy, not to the image.
		target := &d
		var moved Decision
		if r.reencrypt != "" && img.Encrypted && !img.IsCopy {
			target = &moved
			d.addCopy(CopyTarget{Region: img.Region, KMSKeyID: r.reencrypt, Reencrypt: true, Rule: r.name})
		}
		if !img.IsCopy {
			for _, c := range r.copyTo {
				if c.Region != img.Region {
					d.addCopy(c)
				}
			}
		}
		for _, s := range r.shares {
			target.add(s.account, s.reason, img.OwnerID)
		}
		for _, s := range r.dirShares {
			members, err := members(dir, s.folder)
			if err != nil {
				d.Unavailable = append(d.Unavailable, Unavailable{Rule: r.name, Group: s.group, Folder: s.folder, Err: err})
				continue
			}
			reason := r.name + "/" + s.group + " (" + dirLabel(s.folder) + ")"
			for _, m := range members {
				target.add(m, reason, img.OwnerID)
			}
		}
		if r.tagValue != "" {
			p.addTagGroups(target, r, img)
		}
		if target == &moved {
			d.Moved = append(d.Moved, moved.Accounts...)
			d.UnknownGroups = append(d.UnknownGroups, moved.UnknownGroups...)
		}
	}
	if !matched {
		prune = p.prune
	}
	d.Prune = prune && len(d.Unavailable) == 0
	if len(protect) > 0 {
		d.Protect = slices.Sorted(maps.Keys(protect))
	}
	slices.Sort(d.Accounts)
	slices.Sort(d.Moved)
	d.Moved = slices.Compact(d.Moved)
	return d
}

// rulePrune is the rule's prune, or the policy's when the rule does not say.
func (p *Policy) rulePrune(r *rule) bool {
	if r.prune != nil {
		return *r.prune
	}
	return p.prune
}

// members asks dir for a folder's members; without a directory, every folder
// is unavailable.
func members(dir Directory, folder string) ([]string, error) {
	if dir == nil {
		return nil, outcome.Errorf(outcome.DirectoryUnavailable, "the Resource Directory was not read")
	}
	return dir.Members(folder)
}

// addCopy adds a copy unless one to its region is already wanted.
func (d *Decision) addCopy(c CopyTarget) {
	if !slices.ContainsFunc(d.Copies, func(o CopyTarget) bool { return o.Region == c.Region }) {
		d.Copies = append(d.Copies, c)
	}
}

func (p *Policy) addTagGroups(d *Decision, r *rule, img Image) {
	value, ok := img.Tags[r.tagValue]
	if !ok {
		return
	}
	names := strings.FieldsFunc(value, func(c rune) bool { return c == ',' || unicode.IsSpace(c) })
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			continue
		}
		members, ok := p.groups[name]
		if !ok {
			_, dynamic := p.dirGroups[name]
			d.UnknownGroups = append(d.UnknownGroups, UnknownGroup{Rule: r.name, Tag: r.tagValue, Name: name, Directory: dynamic})
			continue
		}
		reason := r.name + "/" + name + " (tag " + r.tagValue + ")"
		for _, m := range members {
			d.add(m, reason, img.OwnerID)
		}
	}
}

// add records that reason asks for account, unless account is the owner's:
// sharing an image with its owner is meaningless (ECS refuses it), so the
// owner is never desired and never reported as a failure.
func (d *Decision) add(account, reason, owner string) {
	if account == owner {
		return
	}
	if d.Because == nil {
		d.Because = map[string][]string{}
	}
	reasons, ok := d.Because[account]
	if !ok {
		d.Accounts = append(d.Accounts, account)
	}
	if !slices.Contains(reasons, reason) {
		d.Because[account] = append(reasons, reason)
	}
}

// An index finds the rules that may match an image without trying them all.
// Each rule is filed under one condition it requires, its anchor: an exact
// tag value if it has one (the most selective), else a tag that must be
// present, else (a rule with regions only) its regions. Only the rules whose
// anchor the image meets are then tried in full, so evaluation costs a few
// map lookups per image tag plus the few candidate rules, not one check per
// rule.
type index struct {
	byValue  map[tagValue][]int // anchored on an exact tag value
	byKey    map[string][]int   // anchored on a "*" tag
	byRegion map[string][]int   // anchored on a region (rules without tags)
}

type tagValue struct{ key, value string }

func newIndex(rules []rule) index {
	x := index{byValue: map[tagValue][]int{}, byKey: map[string][]int{}, byRegion: map[string][]int{}}
	for i, r := range rules {
		var anchor *tagMatch
		for j := range r.tags {
			t := &r.tags[j]
			if anchor == nil || anchor.any && !t.any || !t.any && len(t.values) < len(anchor.values) {
				anchor = t
			}
		}
		switch {
		case anchor == nil:
			// Validation guarantees a rule without tags has regions; one
			// with neither (only in a rejected policy) can never match.
			for _, reg := range r.regions {
				x.byRegion[reg] = append(x.byRegion[reg], i)
			}
		case anchor.any:
			x.byKey[anchor.key] = append(x.byKey[anchor.key], i)
		default:
			// The values are distinct (repeats are dropped when parsing),
			// so a rule is filed at most once under any one image tag.
			for _, v := range anchor.values {
				k := tagValue{anchor.key, v}
				x.byValue[k] = append(x.byValue[k], i)
			}
		}
	}
	return x
}

// candidates returns, in rule order, the indexes of the rules whose anchor img
// meets. Each appears once: a rule has one anchor, and an image has one value
// per tag key and one region.
func (x *index) candidates(img Image) []int {
	var c []int
	for k, v := range img.Tags {
		c = append(c, x.byValue[tagValue{k, v}]...)
		c = append(c, x.byKey[k]...)
	}
	c = append(c, x.byRegion[img.Region]...)
	slices.Sort(c)
	return c
}
