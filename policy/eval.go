package policy

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// An Image is what the policy needs to know about an ECS image.
type Image struct {
	ID      string
	Region  string
	OwnerID string // the owner's account is never desired
	Tags    map[string]string
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
	// groups of the policy. Nothing is shared for them; they are reported so
	// that a typo in a tag does not go unnoticed.
	UnknownGroups []UnknownGroup
}

// An UnknownGroup is a name in an image's tag (for a rule's
// shareWithTagValue) that is not a group of the policy.
type UnknownGroup struct {
	Rule string // the rule with shareWithTagValue
	Tag  string // the tag key
	Name string // the name as it appears in the tag's value
}

func (u UnknownGroup) String() string {
	why := "which is not a group of the policy"
	if isDigits(u.Name) {
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
func (p *Policy) Desired(img Image) Decision {
	var d Decision
	for _, i := range p.index.candidates(img) {
		r := &p.rules[i]
		if !r.matches(img) {
			continue
		}
		d.Rules = append(d.Rules, r.name)
		for _, s := range r.shares {
			d.add(s.account, s.reason, img.OwnerID)
		}
		if r.tagValue != "" {
			p.addTagGroups(&d, r, img)
		}
	}
	slices.Sort(d.Accounts)
	return d
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
			d.UnknownGroups = append(d.UnknownGroups, UnknownGroup{Rule: r.name, Tag: r.tagValue, Name: name})
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
