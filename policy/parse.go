package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/imageshare/ecs-image-share/internal/boundedread"
	suggestpkg "github.com/imageshare/ecs-image-share/internal/suggest"
)

// The keys each fixed-key mapping of a policy accepts. The decoder reports any
// other key as unknown (a misspelt key must never silently disable a rule), and
// schema_test.go checks that policy.schema.json declares exactly these keys.
var (
	policyKeys    = []string{"version", "groups", "rules", "allow", "prune", "protect", "maxRemovalsPerImage", "maxSharesPerImage"}
	ruleKeys      = []string{"name", "match", "shareWith", "shareWithTagValue", "prune", "protect", "copyTo", "reencrypt"}
	matchKeys     = []string{"tags", "regions"}
	copyToKeys    = []string{"region", "kmsKeyId"}
	reencryptKeys = []string{"kmsKeyId"}
	// A group written as a mapping is a Resource Directory group: exactly
	// one of these keys.
	directoryKeys = []string{"resourceDirectoryFolder", "resourceDirectory"}
)

// Patterns shared with policy.schema.json; schema_test.go checks that the
// schema uses these exact strings. They are written for both Go's RE2 and the
// ECMA-262 dialect of JSON Schema (hence no look-ahead in groupNamePattern).
const (
	accountIDPattern = `^[0-9]{16}$`
	ruleNamePattern  = `^[A-Za-z0-9._-]+$`
	// A group name is a rule name that is not all digits, so that no entry of
	// shareWith or of a request can be read as both a group and an account id.
	groupNamePattern = `^[A-Za-z0-9._-]*[A-Za-z._-][A-Za-z0-9._-]*$`
	regionPattern    = `^[a-z]{2,}(-[a-z0-9]+)+$`
	// A Resource Directory folder id: "fd-" and 10 letters or digits, as the
	// ResourceManager reference (2020-03-31, ListFoldersForParent,
	// InvalidParameter.ParentFolderId) describes it. The root folder ("r-"
	// and 6) is not accepted: {resourceDirectory: true} says it plainly.
	folderIDPattern = `^fd-[A-Za-z0-9]{10}$`
	// A KMS key id: a KMS 3.0 id (key-...) or the older UUID form, as
	// CopyImage's KMSKeyId takes them. An alias or ARN is refused: a copy
	// made under an alias would change key when the alias moves.
	kmsKeyIDPattern = `^(key-[A-Za-z0-9][A-Za-z0-9-]{2,62}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`
)

var (
	ruleNameRE  = lazyRegexp(ruleNamePattern)
	groupNameRE = lazyRegexp(groupNamePattern)
	regionRE    = lazyRegexp(regionPattern)
	folderIDRE  = lazyRegexp(folderIDPattern)
	rootIDRE    = lazyRegexp(`^r-[A-Za-z0-9]{6}$`)
	kmsKeyIDRE  = lazyRegexp(kmsKeyIDPattern)
)

// lazyRegexp compiles on first use: package initialisation runs before the
// function takes its first invocation, while the policy is loaded in the
// background (cold start).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Parse reads a policy from YAML or JSON (JSON is read as YAML, so both get
// the same checks and the same line numbers). filename is used only in
// problem locations. It returns a *ValidationError listing every problem when
// the policy is rejected.
func Parse(filename string, data []byte) (*Policy, error) {
	if filename == "" {
		filename = "policy"
	}
	d := &decoder{file: filename}
	p := d.compile(d.decode(data))
	if len(d.problems) > 0 {
		sortProblems(d.problems)
		return nil, &ValidationError{Problems: d.problems}
	}
	sortProblems(d.warnings)
	p.warnings = d.warnings
	return p, nil
}

// MaxFileBytes bounds a policy file: 8 MiB holds about 400,000 quoted
// account ids, far beyond any organisation, while a path such as /dev/zero
// is refused instead of filling memory.
const MaxFileBytes = 8 << 20

// Load reads and parses the policy file at path, at most MaxFileBytes. An
// unreadable or larger file is returned as an *fs.PathError (wrapping
// boundedread.ErrTooLarge for the latter); an invalid one as a
// *ValidationError.
func Load(path string) (*Policy, error) {
	data, err := boundedread.File(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// A document is a policy file as written. Every value keeps the YAML node it
// came from, so that the checks in validate.go can point at it. Values that
// failed their own checks are left out (and already reported).
type document struct {
	root        *yaml.Node // nil when there is nothing to check
	version     *yaml.Node // nil when absent
	groups      []groupDoc
	rules       []ruleDoc
	allow       []entry
	protect     []entry
	prune       bool
	maxRemovals *int
	maxShares   *int
}

// An entry is one string of the file and where it is.
type entry struct {
	value string
	node  *yaml.Node
	path  string
}

type groupDoc struct {
	name    entry
	members []entry
	// dir is set for a Resource Directory group (written as a mapping);
	// members is then empty.
	dir *dirDoc
}

// A dirDoc is a Resource Directory group as written: one folder (and its
// subfolders), or the whole directory when folder is "".
type dirDoc struct {
	folder string
	node   *yaml.Node
}

type ruleDoc struct {
	node          *yaml.Node
	path          string
	name          entry // name.node is nil when the name is absent or invalid
	tags          []tagMatch
	regions       []entry
	shareWith     []entry
	shareWithNode *yaml.Node // nil when absent
	tagValue      string     // shareWithTagValue; "" when absent or invalid
	prune         *bool      // nil when absent: the policy's prune applies
	protect       []entry
	copyTo        []copyDoc
	copyToNode    *yaml.Node // nil when absent
	reencrypt     *entry     // reencrypt.kmsKeyId; nil when absent or invalid
	reencryptNode *yaml.Node // nil when absent
}

// A copyDoc is one entry of copyTo: a region and, optionally, the KMS key
// the copy is encrypted with there.
type copyDoc struct {
	region entry
	kmsKey entry // value "" when absent
}

// A decoder accumulates problems while it walks the YAML node tree; nothing
// stops at the first problem.
type decoder struct {
	file     string
	problems []Problem
	warnings []Problem
}

func (d *decoder) at(n *yaml.Node, path, format string, args ...any) Problem {
	p := Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.problems = append(d.problems, d.at(n, path, format, args...))
}

func (d *decoder) warnf(n *yaml.Node, path, format string, args ...any) {
	d.warnings = append(d.warnings, d.at(n, path, format, args...))
}

// decode parses data and walks the first (and only allowed) YAML document.
func (d *decoder) decode(data []byte) *document {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", `empty policy: want a mapping that starts with "version: 1"`)
		} else {
			d.syntaxError(data, err)
		}
		return &document{}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(data, err)
	default:
		// A trailing "---" with nothing after it is harmless.
		if n := first(&next); n.Kind != yaml.ScalarNode || n.ShortTag() != "!!null" {
			d.errorf(n, "", "a policy is a single YAML document; remove the document after ---")
		}
	}

	top := first(&root)
	if top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null" {
		d.errorf(top, "", `empty policy: want a mapping that starts with "version: 1"`)
		return &document{}
	}
	if !d.is(top, "", yaml.MappingNode, `a mapping that starts with "version: 1"`) {
		return &document{}
	}
	doc := &document{root: top}
	d.pairs(top, "", policyKeys, "the policy", "key", func(key string, _, v *yaml.Node) {
		switch key {
		case "version":
			doc.version = v
			d.version(v, key)
		case "groups":
			doc.groups = d.groups(v, key)
		case "rules":
			doc.rules = d.rules(v, key)
		case "allow":
			doc.allow = d.accountIDs(v, key, "")
		case "protect":
			doc.protect = d.accountIDs(v, key, "")
		case "prune":
			doc.prune = d.boolean(v, key)
		case "maxRemovalsPerImage":
			doc.maxRemovals = d.maxRemovals(v, key)
		case "maxSharesPerImage":
			doc.maxShares = d.maxShares(v, key)
		}
	})
	return doc
}

// first returns the content of a document node, or a null scalar in its place.
func first(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: doc.Line, Column: doc.Column}
}

var yamlLine = lazyRegexp(`^yaml: line (\d+): (.*)$`)

// syntaxError reports a YAML syntax error. yaml.v3 gives at most a line,
// inside the message text, and none at all for a byte it cannot read
// (invalid UTF-8, a NUL or another control character): those are found in
// data with their line and column. A line indented with a tab (which YAML
// forbids) gets the tab's column and says so.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := err.Error()
	p := Problem{File: d.file}
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if line, col, what, ok := unreadable(data); ok && (p.Line == 0 || p.Line == line) {
		p.Line, p.Column, msg = line, col, what
	} else if col := indentTab(data, p.Line); col > 0 {
		p.Column = col
		msg += "; a tab indents this line, and YAML indents with spaces only"
	}
	p.Message = "invalid YAML: " + msg
	d.problems = append(d.problems, p)
}

// unreadable finds the first byte YAML cannot read: invalid UTF-8, or a
// character outside YAML's printable set (YAML 1.2, 5.1: tab, line breaks,
// U+0020–U+007E, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD, U+10000 and above).
// It returns its 1-based line and column (in characters) and what it is.
func unreadable(data []byte) (line, col int, what string, ok bool) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): save the file as UTF-8", data[i]), true
		case !yamlPrintable(r):
			return line, col, fmt.Sprintf("character %U is not allowed in YAML", r), true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return 0, 0, "", false
}

func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000:
		return true
	}
	return false
}

// indentTab returns the 1-based column of a tab in the indentation of the
// given line of data, or 0.
func indentTab(data []byte, line int) int {
	if line < 1 {
		return 0
	}
	lines := bytes.SplitN(data, []byte("\n"), line+1)
	if len(lines) < line {
		return 0
	}
	for i, c := range lines[line-1] {
		switch c {
		case ' ':
		case '\t':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

func (d *decoder) version(n *yaml.Node, path string) {
	const want = "the number 1"
	if !d.scalar(n, path, want) {
		return
	}
	var v int
	if n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.errorf(n, path, "want %s, got %s", want, describe(n))
	} else if v != 1 {
		d.errorf(n, path, "unsupported version %s: this build reads version 1", n.Value)
	}
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	const want = "true or false"
	var v bool
	if d.scalar(n, path, want) && (n.ShortTag() != "!!bool" || n.Decode(&v) != nil) {
		d.errorf(n, path, "want %s, got %s", want, describe(n))
	}
	return v
}

func (d *decoder) maxRemovals(n *yaml.Node, path string) *int {
	return d.wholeAtLeast(n, path, 0, "0 allows no removals at all")
}

// maxShares reads maxSharesPerImage: the per-image share quota of the
// account, 50 unless raised by a support ticket (seed reference, "open a
// ticket"). 0 would mean no image could be shared at all, which is never
// what a policy means, so the least is 1.
func (d *decoder) maxShares(n *yaml.Node, path string) *int {
	return d.wholeAtLeast(n, path, 1, "the quota ECS grants is 50 unless raised by a ticket")
}

// wholeAtLeast reads a whole number of at least least; below it, the error
// says why with hint.
func (d *decoder) wholeAtLeast(n *yaml.Node, path string, least int, hint string) *int {
	want := fmt.Sprintf("a whole number (%d or more)", least)
	if !d.scalar(n, path, want) {
		return nil
	}
	var v int
	switch {
	case n.ShortTag() != "!!int" || n.Decode(&v) != nil:
		d.errorf(n, path, "want %s, got %s", want, describe(n))
	case v < least:
		d.errorf(n, path, "must be %d or more, got %d (%s)", least, v, hint)
	default:
		return &v
	}
	return nil
}

func (d *decoder) groups(n *yaml.Node, path string) []groupDoc {
	if !d.is(n, path, yaml.MappingNode, "a mapping of group names to lists of account ids or Resource Directory groups") {
		return nil
	}
	var gs []groupDoc
	d.pairs(n, path, nil, "", "group", func(name string, k, v *yaml.Node) {
		gpath := child(path, name)
		var members []entry
		var dir *dirDoc
		if v.Kind == yaml.MappingNode {
			dir = d.directoryGroup(v, gpath)
		} else {
			members = d.accountIDs(v, gpath, "a list of account ids, or a Resource Directory group "+
				"({resourceDirectoryFolder: fd-...} or {resourceDirectory: true})")
		}
		switch {
		case name == "":
			d.errorf(k, gpath, "group name must not be empty")
		case isDigits(name):
			d.errorf(k, gpath, "group name %q is all digits, so it could be read as an account id; "+
				"use at least one letter, '.', '_' or '-'", name)
		case !groupNameRE().MatchString(name):
			d.errorf(k, gpath, "group name %q may only use letters, digits, '.', '_' and '-'", name)
		default:
			gs = append(gs, groupDoc{name: entry{name, k, gpath}, members: members, dir: dir})
		}
	})
	return gs
}

func (d *decoder) rules(n *yaml.Node, path string) []ruleDoc {
	var rs []ruleDoc
	for i, item := range d.list(n, path, "a list of rules") {
		rs = append(rs, d.rule(item, fmt.Sprintf("%s[%d]", path, i)))
	}
	return rs
}

func (d *decoder) rule(n *yaml.Node, path string) ruleDoc {
	r := ruleDoc{node: n, path: path}
	if !d.is(n, path, yaml.MappingNode, "a rule: a mapping with name, match, and shareWith or shareWithTagValue") {
		return r
	}
	present := map[string]bool{}
	d.pairs(n, path, ruleKeys, "a rule", "key", func(key string, _, v *yaml.Node) {
		present[key] = true
		p := path + "." + key
		switch key {
		case "name":
			if s, ok := d.str(v, p, "a rule name"); ok {
				switch {
				case s == "":
					d.errorf(v, p, "rule name must not be empty")
				case !ruleNameRE().MatchString(s):
					d.errorf(v, p, "rule name %q may only use letters, digits, '.', '_' and '-'", s)
				default:
					r.name = entry{s, v, p}
				}
			}
		case "match":
			d.match(&r, v, p)
		case "shareWith":
			r.shareWithNode = v
			r.shareWith = d.shareWith(v, p)
		case "copyTo":
			r.copyToNode = v
			r.copyTo = d.copyTo(v, p)
		case "reencrypt":
			r.reencryptNode = v
			r.reencrypt = d.reencrypt(v, p)
		case "shareWithTagValue":
			if s, ok := d.str(v, p, "a tag key"); ok {
				if s == "" {
					d.errorf(v, p, "must name a tag key, not be empty")
				} else {
					r.tagValue = s
				}
			}
		case "prune":
			b := d.boolean(v, p)
			r.prune = &b
		case "protect":
			r.protect = d.accountIDs(v, p, "")
		}
	})
	if !present["name"] {
		d.errorf(n, path, "rule has no name: add name (letters, digits, '.', '_', '-')")
	}
	label := "rule"
	if r.name.node != nil {
		label = fmt.Sprintf("rule %q", r.name.value)
	}
	if !present["match"] {
		d.errorf(n, path, "%s has no match: a rule must match at least one tag or region", label)
	}
	if !present["shareWith"] && !present["shareWithTagValue"] {
		d.errorf(n, path, "%s shares with nobody: add shareWith (groups and account ids) "+
			"or shareWithTagValue (a tag key whose value names groups)", label)
	}
	return r
}

func (d *decoder) match(r *ruleDoc, n *yaml.Node, path string) {
	if !d.is(n, path, yaml.MappingNode, "a mapping with tags and/or regions") {
		return
	}
	if len(n.Content) == 0 {
		d.errorf(n, path, "match is empty: name at least one tag or region "+
			"(a rule that matched every image would share every image)")
		return
	}
	d.pairs(n, path, matchKeys, "match", "key", func(key string, _, v *yaml.Node) {
		p := path + "." + key
		switch key {
		case "tags":
			r.tags = d.tags(v, p)
		case "regions":
			r.regions = d.regions(v, p)
		}
	})
}

func (d *decoder) tags(n *yaml.Node, path string) []tagMatch {
	if !d.is(n, path, yaml.MappingNode, "a mapping of tag keys to values") {
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(n, path, "tags is empty: list at least one tag, or remove tags to match on regions alone")
		return nil
	}
	var ts []tagMatch
	d.pairs(n, path, nil, "", "tag key", func(key string, k, v *yaml.Node) {
		p := child(path, key)
		if key == "" {
			d.errorf(k, p, "tag key must not be empty")
			return
		}
		if t, ok := d.tagMatch(key, v, p); ok {
			ts = append(ts, t)
		}
	})
	return ts
}

// tagMatch decodes the condition on one tag: an exact value, a list of
// values (any of them), or "*" (present, any value).
func (d *decoder) tagMatch(key string, n *yaml.Node, path string) (tagMatch, bool) {
	t := tagMatch{key: key}
	if n.Kind != yaml.SequenceNode {
		s, ok := d.str(n, path, `a tag value: a string, a list of strings (any of them), or "*" (any value)`)
		if t.any = s == "*"; !t.any {
			t.values = []string{s}
		}
		return t, ok
	}
	if len(n.Content) == 0 {
		d.errorf(n, path, `empty list: it matches no value; list at least one value, or use "*" for any value`)
		return t, false
	}
	ok := true
	var seen entries
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		s, good := d.str(item, p, "a tag value (a string)")
		switch {
		case !good:
			ok = false
		case s == "*":
			d.errorf(item, p, `"*" cannot be one of several values: write %s: "*" to match any value`, key)
			ok = false
		default:
			d.add(&seen, entry{s, item, p})
		}
	}
	t.values = values(seen.list)
	return t, ok
}

func (d *decoder) regions(n *yaml.Node, path string) []entry {
	items := d.list(n, path, "a list of region ids")
	if items != nil && len(items) == 0 {
		d.errorf(n, path, "regions is empty, so the rule could never match; "+
			"list region ids, or remove regions to match in every region")
	}
	var es entries
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		s, ok := d.str(item, p, "a region id")
		switch {
		case !ok:
		case !regionRE().MatchString(s):
			d.errorf(item, p, "%q is not a region id (such as cn-hangzhou)", s)
		default:
			d.add(&es, entry{s, item, p})
		}
	}
	return es.list
}

// copyTo decodes a list of regions to copy to, each a region id or a mapping
// {region, kmsKeyId}.
func (d *decoder) copyTo(n *yaml.Node, path string) []copyDoc {
	items := d.list(n, path, "a list of region ids or {region, kmsKeyId} mappings")
	if items != nil && len(items) == 0 {
		d.errorf(n, path, "copyTo is empty: list regions to copy to, or remove copyTo")
	}
	var cs []copyDoc
	var seen entries
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		var c copyDoc
		if item.Kind == yaml.MappingNode {
			present := false
			d.pairs(item, p, copyToKeys, "a copyTo entry", "key", func(key string, _, v *yaml.Node) {
				kp := p + "." + key
				switch key {
				case "region":
					present = true
					if s, ok := d.regionID(v, kp); ok {
						c.region = entry{s, v, kp}
					}
				case "kmsKeyId":
					if s, ok := d.kmsKeyID(v, kp); ok {
						c.kmsKey = entry{s, v, kp}
					}
				}
			})
			if !present {
				d.errorf(item, p, "a copyTo entry needs region (and may have kmsKeyId)")
			}
		} else if s, ok := d.regionID(item, p); ok {
			c.region = entry{s, item, p}
		}
		if c.region.node == nil || !d.add(&seen, c.region) {
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

// reencrypt decodes {kmsKeyId}: the key a service-key image's copy is
// encrypted with, in the image's own region.
func (d *decoder) reencrypt(n *yaml.Node, path string) *entry {
	if !d.is(n, path, yaml.MappingNode, "a mapping with kmsKeyId") {
		return nil
	}
	var e *entry
	d.pairs(n, path, reencryptKeys, "reencrypt", "key", func(_ string, _, v *yaml.Node) {
		p := path + ".kmsKeyId"
		if s, ok := d.kmsKeyID(v, p); ok {
			e = &entry{s, v, p}
		}
	})
	if e == nil && !slices.ContainsFunc(n.Content, func(k *yaml.Node) bool { return k.Value == "kmsKeyId" }) {
		d.errorf(n, path, "reencrypt needs kmsKeyId: the customer-managed KMS key the copy is encrypted with")
	}
	return e
}

// regionID decodes one region id.
func (d *decoder) regionID(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path, "a region id")
	if ok && !regionRE().MatchString(s) {
		d.errorf(n, path, "%q is not a region id (such as cn-shanghai)", s)
		return "", false
	}
	return s, ok
}

// kmsKeyID decodes one KMS key id.
func (d *decoder) kmsKeyID(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path, "a KMS key id")
	if ok && !kmsKeyIDRE().MatchString(s) {
		d.errorf(n, path, "%q is not a KMS key id: want key-... or a UUID such as "+
			"e522b26d-abf6-4e0d-b5da-04b7a1b2c33c (an alias or ARN is not accepted)", s)
		return "", false
	}
	return s, ok
}

// shareWith decodes a list of group names and account ids. An entry made only
// of digits is an account id (and must have 16 of them); any other entry names
// a group, which validate.go looks up.
func (d *decoder) shareWith(n *yaml.Node, path string) []entry {
	items := d.list(n, path, "a list of group names and account ids")
	if items != nil && len(items) == 0 {
		d.errorf(n, path, "shareWith is empty: list groups or account ids, or remove shareWith")
	}
	var es entries
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		var s string
		var ok bool
		if isDigits(item.Value) {
			s, ok = d.accountID(item, p)
		} else {
			s, ok = d.str(item, p, "a group name or an account id")
		}
		if ok {
			d.add(&es, entry{s, item, p})
		}
	}
	return es.list
}

// accountIDs decodes a list of account ids, as in groups, allow and protect.
// want describes the expected value when it is not a list ("" for "a list
// of account ids").
func (d *decoder) accountIDs(n *yaml.Node, path, want string) []entry {
	if want == "" {
		want = "a list of account ids"
	}
	var es entries
	for i, item := range d.list(n, path, want) {
		p := fmt.Sprintf("%s[%d]", path, i)
		if s, ok := d.accountID(item, p); ok {
			d.add(&es, entry{s, item, p})
		}
	}
	return es.list
}

// accountID decodes one account id. Every problem with one starts with
// "InvalidAccountId", the code a request naming such an id would get.
func (d *decoder) accountID(n *yaml.Node, path string) (string, bool) {
	if n.Kind == yaml.AliasNode {
		d.alias(n, path)
		return "", false
	}
	switch s := n.Value; {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && isAccountID(s):
		d.errorf(n, path, `InvalidAccountId: %s is a number here; quote account ids: "%s"`, s, s)
	case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str":
		d.errorf(n, path, "InvalidAccountId: want an account id (a quoted string of 16 digits), got %s", describe(n))
	case isAccountID(s):
		return s, true
	case isDigits(s):
		d.errorf(n, path, "InvalidAccountId: %q has %s; an account id has exactly 16", s, plural(len(s), "digit"))
	default:
		d.errorf(n, path, "InvalidAccountId: %q is not an account id: want exactly 16 digits", s)
	}
	return "", false
}

// directoryGroup decodes a group written as a mapping: a Resource Directory
// folder ({resourceDirectoryFolder: fd-...}, the folder and its subfolders)
// or the whole directory ({resourceDirectory: true}). It returns nil when the
// group is invalid (and reported).
func (d *decoder) directoryGroup(n *yaml.Node, path string) *dirDoc {
	var folder *dirDoc
	whole := false
	var first string
	d.pairs(n, path, directoryKeys, "a Resource Directory group", "key", func(key string, k, v *yaml.Node) {
		p := path + "." + key
		if first != "" {
			d.errorf(k, p, "a group is either one folder (resourceDirectoryFolder) or the whole directory "+
				"(resourceDirectory: true), not both: the whole directory already holds every folder")
			return
		}
		switch key {
		case "resourceDirectoryFolder":
			s, ok := d.str(v, p, "a Resource Directory folder id (fd- and 10 letters or digits)")
			switch {
			case !ok:
			case rootIDRE().MatchString(s):
				d.errorf(v, p, "%q is the directory's root folder: write {resourceDirectory: true} for every member", s)
			case !folderIDRE().MatchString(s):
				d.errorf(v, p, "%q is not a Resource Directory folder id: want fd- and 10 letters or digits, such as fd-3o9xo2mu1p", s)
			default:
				folder = &dirDoc{folder: s, node: v}
			}
			first = key
		case "resourceDirectory":
			const want = "true (every member of the Resource Directory)"
			var b bool
			if d.scalar(v, p, want) && (v.ShortTag() != "!!bool" || v.Decode(&b) != nil) {
				d.errorf(v, p, "want %s, got %s", want, describe(v))
			} else if v.Kind == yaml.ScalarNode && !b {
				d.errorf(v, p, "resourceDirectory: false shares with nobody: write true, or list the accounts instead")
			} else {
				whole = b
			}
			first = key
		}
	})
	switch {
	case len(n.Content) == 0:
		d.errorf(n, path, "empty group mapping: write {resourceDirectoryFolder: fd-...}, {resourceDirectory: true}, or a list of account ids")
	case whole && folder == nil && first == "resourceDirectory":
		return &dirDoc{node: n}
	case folder != nil && first == "resourceDirectoryFolder":
		return folder
	}
	return nil
}

// repeated reports (as a warning) whether s is already in seen. A repeated
// entry is harmless, but it usually means something else was meant.
// entries collects a list's entries without repeats. The map finds a repeat
// at once: a linear search made loading quadratic in a list's length (a
// group of 80,000 ids took 15 s; 500,000 did not finish).
type entries struct {
	list  []entry
	first map[string]*yaml.Node
}

// add appends e unless its value was listed before; a repeat is reported as
// a warning naming the first, and add returns false.
func (d *decoder) add(es *entries, e entry) bool {
	if first, dup := es.first[e.value]; dup {
		d.warnf(e.node, e.path, "%q is listed twice (first at line %d); the repeat is ignored", e.value, first.Line)
		return false
	}
	if es.first == nil {
		es.first = map[string]*yaml.Node{}
	}
	es.first[e.value] = e.node
	es.list = append(es.list, e)
	return true
}

func values(es []entry) []string {
	vs := make([]string, len(es))
	for i, e := range es {
		vs[i] = e.value
	}
	return vs
}

// pairs calls f for each key of the mapping n in file order, after checking
// that the key is a string and is not repeated. When keys is non-nil, other
// keys are reported as unknown (what names the mapping in that message) and
// skipped; noun names the keys in the message about repeats.
func (d *decoder) pairs(n *yaml.Node, path string, keys []string, what, noun string, f func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kpath := child(path, k.Value)
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			d.errorf(k, path, "YAML merge keys (<<) are not supported: write the keys out")
			continue
		case k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str":
			d.errorf(k, path, "want a string key, got %s", describe(k))
			continue
		}
		key := k.Value
		if line, dup := seen[key]; dup {
			d.errorf(k, kpath, "duplicate %s %q (first at line %d)", noun, key, line)
			continue
		}
		seen[key] = k.Line
		if keys != nil && !slices.Contains(keys, key) {
			d.errorf(k, kpath, "unknown key %q%s; %s takes only %s", key, suggest(key, keys), what, strings.Join(keys, ", "))
			continue
		}
		f(key, k, v)
	}
}

// list returns the items of the sequence n, or nil (after reporting it) when n
// is not a sequence. want describes the expected list for that message.
func (d *decoder) list(n *yaml.Node, path, want string) []*yaml.Node {
	if !d.is(n, path, yaml.SequenceNode, want) {
		return nil
	}
	if n.Content == nil {
		return []*yaml.Node{} // present but empty, as opposed to invalid
	}
	return n.Content
}

// str returns the value of n when it is a string. Numbers and booleans are
// not taken for strings, with a hint to quote them: the policy's strings are
// compared exactly, and 1.10 (a number) and "1.10" (a tag value) differ.
func (d *decoder) str(n *yaml.Node, path, want string) (string, bool) {
	if !d.scalar(n, path, want) {
		return "", false
	}
	switch n.ShortTag() {
	case "!!str":
		return n.Value, true
	case "!!int", "!!float", "!!bool":
		d.errorf(n, path, "want %s, got %s; quote it: \"%s\"", want, describe(n), n.Value)
	default:
		d.errorf(n, path, "want %s, got %s", want, describe(n))
	}
	return "", false
}

// scalar reports whether n is a scalar, reporting it when it is not; want
// describes the expected value for that message.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind == yaml.AliasNode {
		d.alias(n, path)
		return false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "want %s, got %s", want, describe(n))
		return false
	}
	return true
}

// is reports whether n is of the given kind, reporting it when it is not.
func (d *decoder) is(n *yaml.Node, path string, kind yaml.Kind, want string) bool {
	switch {
	case n.Kind == kind:
		return true
	case n.Kind == yaml.AliasNode:
		d.alias(n, path)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && kind == yaml.SequenceNode:
		d.errorf(n, path, "want %s, got nothing; write [] for an empty list", want)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && kind == yaml.MappingNode:
		d.errorf(n, path, "want %s, got nothing; write {} for an empty mapping", want)
	default:
		d.errorf(n, path, "want %s, got %s", want, describe(n))
	}
	return false
}

// alias reports a YAML alias. Aliases are refused rather than followed: every
// value should be readable where it is used, a problem in an aliased value
// would be reported at the anchor rather than at the use, and following
// aliases lets a small file expand exponentially.
func (d *decoder) alias(n *yaml.Node, path string) {
	d.errorf(n, path, "YAML aliases (*%s) are not supported: write the value out (use a group to name a list of accounts once)", n.Value)
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch tag := n.ShortTag(); tag {
	case "!!str":
		return strconv.Quote(n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing (null)"
	default:
		return fmt.Sprintf("a value tagged %s", tag)
	}
}

var simpleKey = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// child returns the path of key inside the mapping at path: path.key, or
// path["key"] when the key would be ambiguous unquoted.
func child(path, key string) string {
	switch {
	case !simpleKey().MatchString(key):
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	default:
		return path + "." + key
	}
}

// suggest returns ` (did you mean "x"?)` when key is a likely misspelling of
// one of keys: the same but for case, or one or two edits away.
func suggest(key string, keys []string) string {
	if best := suggestpkg.Closest(key, keys); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAccountID reports whether s is an account id: exactly 16 ASCII digits
// (accountIDPattern).
func isAccountID(s string) bool { return len(s) == 16 && isDigits(s) }
