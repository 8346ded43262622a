package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefaultMaxSharesPerImage is ECS's default limit on the accounts one image
// can be shared with (QuotaExceed.ShareImageUser); a support ticket raises it,
// and the policy's maxSharesPerImage says by how much. A rule that alone asks
// for more could never be satisfied.
const DefaultMaxSharesPerImage = 50

// defaultMaxRemovals is maxRemovalsPerImage when the policy does not set it.
const defaultMaxRemovals = 10

// compile runs the checks that span the document (a version is present, rule
// names are unique, shareWith names defined groups, no rule asks for more than
// an image can hold) and builds the Policy that evaluation uses, with every
// group expanded and the rule index built, so that evaluation does no parsing.
func (d *decoder) compile(doc *document) *Policy {
	p := &Policy{
		groups:      map[string][]string{},
		dirGroups:   map[string]string{},
		allowed:     map[string]bool{},
		protected:   map[string]bool{},
		maxRemovals: defaultMaxRemovals,
		maxShares:   DefaultMaxSharesPerImage,
		prune:       doc.prune,
	}
	if doc.root == nil {
		return p // there is no mapping to check; the reason is already reported
	}
	if doc.version == nil {
		d.errorf(doc.root, "", `missing version: add "version: 1"`)
	}
	if doc.maxRemovals != nil {
		p.maxRemovals = *doc.maxRemovals
	}
	if doc.maxShares != nil {
		p.maxShares = *doc.maxShares
	}

	folderGroup := map[string]string{} // folder id ("" the whole directory) -> first group naming it
	for _, g := range doc.groups {
		if g.dir != nil {
			p.dirGroups[g.name.value] = g.dir.folder
			if other, dup := folderGroup[g.dir.folder]; dup {
				d.warnf(g.dir.node, g.name.path, "group %q reads the same %s as group %q", g.name.value, dirLabel(g.dir.folder), other)
			} else {
				folderGroup[g.dir.folder] = g.name.value
			}
			continue
		}
		members := values(g.members)
		slices.Sort(members)
		p.groups[g.name.value] = members
		for _, m := range members {
			p.allowed[m] = true
		}
		if len(members) == 0 {
			d.warnf(g.name.node, g.name.path, "group %q is empty", g.name.value)
		}
	}
	groupList := slices.Sorted(maps.Keys(p.groups))
	dirList := slices.Sorted(maps.Keys(p.dirGroups))
	allGroups := slices.Sorted(slices.Values(append(slices.Clone(groupList), dirList...)))

	firstLine := map[string]int{} // rule name -> line of its first use
	regions := map[string]bool{}
	copyRegions := map[string]bool{}
	for _, rd := range doc.rules {
		r := rule{name: rd.name.value, tagValue: rd.tagValue, prune: rd.prune, protect: values(rd.protect)}
		if n := rd.name.node; n != nil {
			if line, dup := firstLine[r.name]; dup {
				d.errorf(n, rd.name.path, "duplicate rule name %q (first used at line %d)", r.name, line)
			} else {
				firstLine[r.name] = n.Line
			}
		}
		r.tags = rd.tags
		for _, e := range rd.regions {
			r.regions = append(r.regions, e.value)
			regions[e.value] = true
		}
		if len(rd.regions) == 0 {
			p.everyRegion = true
		}

		accounts := map[string]bool{}
		for _, e := range rd.shareWith {
			if isAccountID(e.value) {
				r.shares = append(r.shares, share{e.value, r.name})
				accounts[e.value] = true
				p.allowed[e.value] = true
				continue
			}
			if folder, ok := p.dirGroups[e.value]; ok {
				r.dirShares = append(r.dirShares, dirShare{group: e.value, folder: folder})
				continue
			}
			members, ok := p.groups[e.value]
			if !ok {
				d.errorf(e.node, e.path, "undefined group %q (%s)", e.value, defined(allGroups))
				continue
			}
			for _, m := range members {
				r.shares = append(r.shares, share{m, r.name + "/" + e.value})
				accounts[m] = true
			}
		}
		// Directory groups are left out of this count: their size is only
		// known when the directory is read, and an image that would go past
		// the quota then gets ShareQuotaExceeded per account.
		if len(accounts) > p.maxShares {
			d.errorf(rd.shareWithNode, rd.path+".shareWith",
				"shares with %d accounts once groups are expanded; an image can be shared with at most %d (maxSharesPerImage)",
				len(accounts), p.maxShares)
		}
		d.copies(&r, rd)
		for _, c := range r.copyTo {
			copyRegions[c.Region] = true
		}
		switch {
		case r.tagValue != "" && len(groupList) == 0:
			d.warnf(rd.node, rd.path+".shareWithTagValue",
				"the policy defines no groups of listed accounts, and tag values may only name those, so this shares with nobody")
		case r.tagValue != "" && len(dirList) > 0:
			// Tags are writable by more people than the policy is: a tag
			// naming a directory group would let them share with a whole
			// folder, one that grows without the policy changing.
			d.warnf(rd.node, rd.path+".shareWithTagValue",
				"tag values cannot name the Resource Directory groups (%s): a tag naming one is reported and shares nothing; "+
					"name them in shareWith instead", strings.Join(dirList, ", "))
		}
		p.rules = append(p.rules, r)
	}
	if len(doc.rules) == 0 {
		d.warnf(doc.root, "", "no rules: reconcile shares nothing (share and unshare requests still work)")
	}

	for _, e := range doc.allow {
		p.allowed[e.value] = true
	}
	for _, e := range doc.protect {
		p.protected[e.value] = true
	}
	p.protectList = slices.Sorted(maps.Keys(p.protected))
	p.regions = slices.Sorted(maps.Keys(regions))
	p.copyRegions = slices.Sorted(maps.Keys(copyRegions))
	p.index = newIndex(p.rules)
	return p
}

// dirLabel names a directory group's source in messages and because entries.
func dirLabel(folder string) string {
	if folder == "" {
		return "resource directory"
	}
	return "folder " + folder
}

func defined(groups []string) string {
	if len(groups) == 0 {
		return "the policy defines no groups"
	}
	return "defined groups: " + strings.Join(groups, ", ")
}

// copies checks and compiles a rule's copyTo and reencrypt.
//
// A KMS key lives in one region, so reencrypt (which copies in the image's
// own region under one key) needs a rule that matches in exactly one region:
// in any other region the key does not exist and every copy would fail with
// InvalidParameter.KMSKeyId.NotFound. A copyTo entry naming the only region
// the rule matches in would copy an image onto its own region, which is what
// reencrypt is for.
func (d *decoder) copies(r *rule, rd ruleDoc) {
	for _, c := range rd.copyTo {
		if len(r.regions) == 1 && r.regions[0] == c.region.value {
			d.errorf(c.region.node, c.region.path, "copyTo names %s, the only region the rule matches in: "+
				"an image is not copied onto its own region (use reencrypt to copy it there under a KMS key)", c.region.value)
			continue
		}
		r.copyTo = append(r.copyTo, CopyTarget{Region: c.region.value, KMSKeyID: c.kmsKey.value, Rule: r.name})
	}
	if rd.reencrypt == nil {
		return
	}
	if len(r.regions) != 1 {
		what := "matches in every region"
		if len(r.regions) > 1 {
			what = fmt.Sprintf("matches in %d regions", len(r.regions))
		}
		d.errorf(rd.reencrypt.node, rd.reencrypt.path, "the rule %s, but a KMS key belongs to one region: "+
			"give the rule match.regions with the one region of key %s (one rule per region and key)", what, rd.reencrypt.value)
		return
	}
	r.reencrypt = rd.reencrypt.value
	// The rule is for encrypted images, and a copy of an encrypted image
	// must be encrypted too (CopyImage: OperationDeined.EncryptedSnapshot).
	for _, c := range rd.copyTo {
		if c.kmsKey.value == "" {
			d.warnf(c.region.node, c.region.path, "the rule re-encrypts, so it expects encrypted images, and an encrypted image "+
				"cannot be copied to %s without a key: give this entry a kmsKeyId ({region: %s, kmsKeyId: ...})", c.region.value, c.region.value)
		}
	}
}
