package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// lines joins its arguments as the lines of a file, so that a test's line
// numbers can be read off the source.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// A want is one expected problem: its line, and a substring of its message.
type want struct {
	line int
	msg  string
}

// Header lines shared by most cases: lines 1-4.
var header = []string{
	"version: 1",
	"groups:",
	`  prod: ["2000000000000001", "2000000000000002"]`,
	`  partners: ["3000000000000001"]`,
}

func withHeader(ls ...string) string { return lines(append(slices.Clone(header), ls...)...) }

// Whether the JSON Schema rejects a case too (schema_test.go checks it).
const (
	schemaRejects = iota // a structural problem: the schema catches it as well
	schemaAccepts        // only the loader can catch it (references, uniqueness, counts)
	schemaNA             // not expressible as JSON (YAML syntax, duplicate keys, aliases, ...)
)

// problemCases covers every check of the loader. Each asserts the exact
// problems (line and message substring), in file order, and nothing else.
var problemCases = []struct {
	name   string
	src    string
	want   []want
	schema int
}{
	// The file as a whole.
	{"empty file", "", []want{{0, `empty policy: want a mapping that starts with "version: 1"`}}, schemaNA},
	{"only comments", "# nothing yet\n", []want{{0, "empty policy"}}, schemaNA},
	{"empty document", "---\n", []want{{2, "empty policy"}}, schemaNA},
	{"not a mapping", "- version: 1\n", []want{{1, `want a mapping that starts with "version: 1", got a list`}}, schemaRejects},
	{"yaml syntax", lines("version: 1", "rules: [", "  {name: x"), []want{{2, "invalid YAML: did not find expected ',' or '}'"}}, schemaNA},
	// yaml.v3 names no line for a byte it cannot read, and no column ever.
	{"NUL byte", withHeader("\x00rules: []"), []want{{5, "p.yaml:5:1: invalid YAML: character U+0000 is not allowed in YAML"}}, schemaNA},
	{"invalid UTF-8", withHeader("rules: [{name: \"r\xff\"}]"), []want{{5, "p.yaml:5:18: invalid YAML: invalid UTF-8 (byte 0xff)"}}, schemaNA},
	{"control character", withHeader("rules: [] # \x1b[31m"), []want{{5, "p.yaml:5:13: invalid YAML: character U+001B is not allowed"}}, schemaNA},
	{"tab indent", lines("version: 1", "groups:", "\tprod: [\"2000000000000001\"]"), []want{{3, "p.yaml:3:1: invalid YAML: found character that cannot start any token; a tab indents this line"}}, schemaNA},
	{"tab after spaces", lines("version: 1", "groups:", "  \tprod: [\"2000000000000001\"]"), []want{{3, "p.yaml:3:3: invalid YAML"}}, schemaNA},
	{"two documents", lines("version: 1", "---", "version: 1"), []want{{3, "a policy is a single YAML document"}}, schemaNA},
	{"two documents, second empty but for a comment", lines("version: 1", "---", "# more", "rules: []"), []want{{4, "a policy is a single YAML document"}}, schemaNA},
	{"missing version", lines("rules: []"), []want{{1, `missing version: add "version: 1"`}}, schemaRejects},
	{"version 2", lines("version: 2", "rules: []"), []want{{1, "unsupported version 2: this build reads version 1"}}, schemaRejects},
	{"version string", lines(`version: "1"`), []want{{1, `version: want the number 1, got "1"`}}, schemaRejects},
	{"version float", lines(`version: 1.5`), []want{{1, "want the number 1, got the number 1.5"}}, schemaRejects},

	// Unknown and repeated keys.
	{"unknown top-level key", withHeader("rule: []"),
		[]want{{5, `unknown key "rule" (did you mean "rules"?); the policy takes only version, groups, rules, allow, prune, protect, maxRemovalsPerImage, maxSharesPerImage`}}, schemaRejects},
	{"unknown rule key", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWth: [prod]"),
		[]want{
			{6, `rule "r" shares with nobody`},
			{8, `unknown key "shareWth" (did you mean "shareWith"?); a rule takes only name, match, shareWith, shareWithTagValue, prune, protect`},
		}, schemaRejects},
	{"unknown key, wrong case", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    sharewith: [prod]"),
		[]want{{6, "shares with nobody"}, {8, `unknown key "sharewith" (did you mean "shareWith"?)`}}, schemaRejects},
	{"unknown match key", withHeader("rules:", "  - name: r", "    match: {tag: {env: prod}}", "    shareWith: [prod]"),
		[]want{{7, `unknown key "tag" (did you mean "tags"?); match takes only tags, regions`}}, schemaRejects},
	{"unknown key, no suggestion", withHeader("owner: x"),
		[]want{{5, `unknown key "owner"; the policy takes only`}}, schemaRejects},
	{"duplicate top-level key", withHeader("version: 1"), []want{{5, `duplicate key "version" (first at line 1)`}}, schemaNA},
	{"duplicate group", withHeader(`  prod: ["2000000000000003"]`), []want{{5, `duplicate group "prod" (first at line 3)`}}, schemaNA},
	{"duplicate tag key", withHeader("rules:", "  - name: r", "    match:", "      tags:", "        env: prod", "        env: staging", "    shareWith: [prod]"),
		[]want{{10, `duplicate tag key "env" (first at line 9)`}}, schemaNA},
	{"merge key", withHeader("<<: {prune: true}"), []want{{5, "YAML merge keys (<<) are not supported"}}, schemaNA},
	{"alias", withHeader("allow: &ids [\"4000000000000001\"]", "protect: *ids"), []want{{6, "YAML aliases (*ids) are not supported"}}, schemaNA},
	{"non-string key", withHeader("rules:", "  - name: r", "    match: {tags: {1: x}}", "    shareWith: [prod]"),
		[]want{{7, "want a string key, got the number 1"}}, schemaNA},

	// Wrong types.
	{"groups not a mapping", lines("version: 1", "groups: [prod]"), []want{{2, "groups: want a mapping of group names to lists of account ids or Resource Directory groups, got a list"}}, schemaRejects},
	{"group not a list", lines("version: 1", `groups: {prod: "2000000000000001"}`), []want{{2, `groups.prod: want a list of account ids, or a Resource Directory group ({resourceDirectoryFolder: fd-...} or {resourceDirectory: true}), got "2000000000000001"`}}, schemaRejects},
	{"rules not a list", withHeader("rules: {name: r}"), []want{{5, "rules: want a list of rules, got a mapping"}}, schemaRejects},
	{"rule not a mapping", withHeader("rules: [prod]"), []want{{5, `rules[0]: want a rule: a mapping with name, match, and shareWith or shareWithTagValue, got "prod"`}}, schemaRejects},
	{"null list", withHeader("allow:"), []want{{5, "allow: want a list of account ids, got nothing; write [] for an empty list"}}, schemaRejects},
	{"prune not a bool", withHeader("prune: yes"), []want{{5, `prune: want true or false, got "yes"`}}, schemaRejects},
	{"maxRemovals not an int", withHeader("maxRemovalsPerImage: 2.5"), []want{{5, "want a whole number (0 or more), got the number 2.5"}}, schemaRejects},
	{"maxRemovals negative", withHeader("maxRemovalsPerImage: -1"), []want{{5, "must be 0 or more, got -1"}}, schemaRejects},
	{"maxShares not an int", withHeader("maxSharesPerImage: many"), []want{{5, `maxSharesPerImage: want a whole number (1 or more), got "many"`}}, schemaRejects},
	{"maxShares zero", withHeader("maxSharesPerImage: 0"), []want{{5, "maxSharesPerImage: must be 1 or more, got 0"}}, schemaRejects},
	{"tag value a number", withHeader("rules:", "  - name: r", "    match: {tags: {version: 1.10}}", "    shareWith: [prod]"),
		[]want{{7, `rules[0].match.tags.version: want a tag value: a string, a list of strings (any of them), or "*" (any value), got the number 1.10; quote it: "1.10"`}}, schemaRejects},
	{"tag value a mapping", withHeader("rules:", "  - name: r", "    match: {tags: {env: {is: prod}}}", "    shareWith: [prod]"),
		[]want{{7, "want a tag value: a string, a list of strings (any of them), or \"*\" (any value), got a mapping"}}, schemaRejects},
	{"tag value null", withHeader("rules:", "  - name: r", "    match:", "      tags:", "        env:", "    shareWith: [prod]"),
		[]want{{9, "want a tag value: a string, a list of strings (any of them), or \"*\" (any value), got nothing (null)"}}, schemaRejects},
	{"tag list item a bool", withHeader("rules:", "  - name: r", "    match: {tags: {golden: [yes, true]}}", "    shareWith: [prod]"),
		[]want{{7, `rules[0].match.tags.golden[1]: want a tag value (a string), got the boolean true; quote it: "true"`}}, schemaRejects},
	{"regions not a list", withHeader("rules:", "  - name: r", "    match: {regions: cn-hangzhou}", "    shareWith: [prod]"),
		[]want{{7, `regions: want a list of region ids, got "cn-hangzhou"`}}, schemaRejects},
	{"shareWith not a list", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: prod"),
		[]want{{8, `shareWith: want a list of group names and account ids, got "prod"`}}, schemaRejects},
	{"shareWithTagValue a list", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWithTagValue: [a]"),
		[]want{{8, "shareWithTagValue: want a tag key, got a list"}}, schemaRejects},

	// Resource Directory groups and per-rule prune and protect.
	{"folder id malformed", lines("version: 1", "groups:", "  apps: {resourceDirectoryFolder: fd-123}"),
		[]want{{3, `groups.apps.resourceDirectoryFolder: "fd-123" is not a Resource Directory folder id: want fd- and 10 letters or digits`}}, schemaRejects},
	{"folder id is the root", lines("version: 1", "groups:", "  apps: {resourceDirectoryFolder: r-b1a2c3}"),
		[]want{{3, `"r-b1a2c3" is the directory's root folder: write {resourceDirectory: true} for every member`}}, schemaRejects},
	{"folder id a number", lines("version: 1", "groups:", "  apps: {resourceDirectoryFolder: 12}"),
		[]want{{3, `want a Resource Directory folder id (fd- and 10 letters or digits), got the number 12; quote it`}}, schemaRejects},
	{"both directory forms", lines("version: 1", "groups:", "  apps:", "    resourceDirectoryFolder: fd-3o9xo2mu1p", "    resourceDirectory: true"),
		[]want{{5, `groups.apps.resourceDirectory: a group is either one folder (resourceDirectoryFolder) or the whole directory (resourceDirectory: true), not both`}}, schemaRejects},
	{"resourceDirectory false", lines("version: 1", "groups:", "  everyone: {resourceDirectory: false}"),
		[]want{{3, "resourceDirectory: false shares with nobody: write true, or list the accounts instead"}}, schemaRejects},
	{"resourceDirectory a string", lines("version: 1", "groups:", `  everyone: {resourceDirectory: "yes"}`),
		[]want{{3, `groups.everyone.resourceDirectory: want true (every member of the Resource Directory), got "yes"`}}, schemaRejects},
	{"directory group empty mapping", lines("version: 1", "groups:", "  apps: {}"),
		[]want{{3, "groups.apps: empty group mapping: write {resourceDirectoryFolder: fd-...}, {resourceDirectory: true}, or a list of account ids"}}, schemaRejects},
	{"directory group unknown key", lines("version: 1", "groups:", "  apps: {resourceDirectoryFolders: fd-3o9xo2mu1p}"),
		[]want{{3, `unknown key "resourceDirectoryFolders" (did you mean "resourceDirectoryFolder"?); a Resource Directory group takes only resourceDirectoryFolder, resourceDirectory`}}, schemaRejects},
	{"undefined group lists directory groups", lines("version: 1", "groups:", "  apps: {resourceDirectoryFolder: fd-3o9xo2mu1p}",
		"rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [ap]"),
		[]want{{7, `undefined group "ap" (defined groups: apps)`}}, schemaAccepts},
	{"rule prune not a bool", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [prod]", "    prune: 1"),
		[]want{{9, "rules[0].prune: want true or false, got the number 1"}}, schemaRejects},
	{"rule protect not ids", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [prod]", "    protect: [prod]"),
		[]want{{9, `rules[0].protect[0]: InvalidAccountId: "prod" is not an account id`}}, schemaRejects},

	// Account ids.
	{"group member too short", lines("version: 1", `groups: {prod: ["200000000000001"]}`),
		[]want{{2, `groups.prod[0]: InvalidAccountId: "200000000000001" has 15 digits; an account id has exactly 16`}}, schemaRejects},
	{"group member not digits", lines("version: 1", "groups:", `  prod: ["2000000000000001", "2000-0000-0000-0002"]`),
		[]want{{3, `groups.prod[1]: InvalidAccountId: "2000-0000-0000-0002" is not an account id: want exactly 16 digits`}}, schemaRejects},
	{"group member unquoted", lines("version: 1", "groups:", "  prod: [2000000000000001]"),
		[]want{{3, `InvalidAccountId: 2000000000000001 is a number here; quote account ids: "2000000000000001"`}}, schemaRejects},
	{"group member a list", lines("version: 1", "groups:", "  prod: [[\"2000000000000001\"]]"),
		[]want{{3, "InvalidAccountId: want an account id (a quoted string of 16 digits), got a list"}}, schemaRejects},
	{"shareWith id too long", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", `    shareWith: [prod, "20000000000000031"]`),
		[]want{{8, `rules[0].shareWith[1]: InvalidAccountId: "20000000000000031" has 17 digits`}}, schemaRejects},
	{"shareWith id unquoted", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [2000000000000003]"),
		[]want{{8, "InvalidAccountId: 2000000000000003 is a number here"}}, schemaRejects},
	{"allow id", withHeader(`allow: ["4000000000000001", "x4000000000000001"]`),
		[]want{{5, `allow[1]: InvalidAccountId: "x4000000000000001" is not an account id`}}, schemaRejects},
	{"protect id", withHeader(`protect: ["2000000000000009", "20000000000009"]`),
		[]want{{5, `protect[1]: InvalidAccountId: "20000000000009" has 14 digits`}}, schemaRejects},

	// Groups.
	{"group name all digits", lines("version: 1", "groups:", `  "2000000000000001": ["2000000000000001"]`),
		[]want{{3, `group name "2000000000000001" is all digits, so it could be read as an account id`}}, schemaRejects},
	{"group name short digits", lines("version: 1", "groups:", `  "42": ["2000000000000001"]`),
		[]want{{3, `group name "42" is all digits`}}, schemaRejects},
	{"group name with a space", lines("version: 1", "groups:", `  "prod team": ["2000000000000001"]`),
		[]want{{3, `group name "prod team" may only use letters, digits, '.', '_' and '-'`}}, schemaRejects},
	{"group name with a slash", lines("version: 1", "groups:", `  "prod/eu": ["2000000000000001"]`),
		[]want{{3, `group name "prod/eu" may only use`}}, schemaRejects},
	{"group name empty", lines("version: 1", "groups:", `  "": ["2000000000000001"]`),
		[]want{{3, "group name must not be empty"}}, schemaRejects},

	// Rules.
	{"rule without name", withHeader("rules:", "  - match: {tags: {env: prod}}", "    shareWith: [prod]"),
		[]want{{6, "rule has no name: add name"}}, schemaRejects},
	{"rule name empty", withHeader("rules:", `  - name: ""`, "    match: {tags: {env: prod}}", "    shareWith: [prod]"),
		[]want{{6, "rules[0].name: rule name must not be empty"}}, schemaRejects},
	{"rule name with a slash", withHeader("rules:", `  - name: prod/images`, "    match: {tags: {env: prod}}", "    shareWith: [prod]"),
		[]want{{6, `rule name "prod/images" may only use letters, digits, '.', '_' and '-'`}}, schemaRejects},
	{"duplicate rule names", withHeader("rules:",
		"  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [prod]",
		"  - name: r", "    match: {tags: {env: staging}}", "    shareWith: [partners]"),
		[]want{{9, `rules[1].name: duplicate rule name "r" (first used at line 6)`}}, schemaAccepts},
	{"rule without match", withHeader("rules:", "  - name: r", "    shareWith: [prod]"),
		[]want{{6, `rule "r" has no match: a rule must match at least one tag or region`}}, schemaRejects},
	{"empty match", withHeader("rules:", "  - name: r", "    match: {}", "    shareWith: [prod]"),
		[]want{{7, "match is empty: name at least one tag or region"}}, schemaRejects},
	{"empty tags", withHeader("rules:", "  - name: r", "    match: {tags: {}}", "    shareWith: [prod]"),
		[]want{{7, "tags is empty: list at least one tag"}}, schemaRejects},
	{"empty regions", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}, regions: []}", "    shareWith: [prod]"),
		[]want{{7, "regions is empty, so the rule could never match"}}, schemaRejects},
	{"bad region", withHeader("rules:", "  - name: r", "    match: {regions: [cn-hangzhou, Hangzhou]}", "    shareWith: [prod]"),
		[]want{{7, `rules[0].match.regions[1]: "Hangzhou" is not a region id (such as cn-hangzhou)`}}, schemaRejects},
	{"empty tag key", withHeader("rules:", "  - name: r", `    match: {tags: {"": prod}}`, "    shareWith: [prod]"),
		[]want{{7, "tag key must not be empty"}}, schemaRejects},
	{"empty any-of list", withHeader("rules:", "  - name: r", "    match: {tags: {tier: []}}", "    shareWith: [prod]"),
		[]want{{7, "rules[0].match.tags.tier: empty list: it matches no value"}}, schemaRejects},
	{"star in a list", withHeader("rules:", "  - name: r", `    match: {tags: {tier: [gold, "*"]}}`, "    shareWith: [prod]"),
		[]want{{7, `rules[0].match.tags.tier[1]: "*" cannot be one of several values: write tier: "*" to match any value`}}, schemaRejects},
	{"shares with nobody", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}"),
		[]want{{6, `rule "r" shares with nobody: add shareWith (groups and account ids) or shareWithTagValue`}}, schemaRejects},
	{"empty shareWith", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: []"),
		[]want{{8, "shareWith is empty"}}, schemaRejects},
	{"empty shareWithTagValue", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", `    shareWithTagValue: ""`),
		[]want{{8, "shareWithTagValue: must name a tag key, not be empty"}}, schemaRejects},
	{"undefined group", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [prod, prd]"),
		[]want{{8, `rules[0].shareWith[1]: undefined group "prd" (defined groups: partners, prod)`}}, schemaAccepts},
	{"undefined group, no groups", lines("version: 1", "rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [prod]"),
		[]want{{5, `undefined group "prod" (the policy defines no groups)`}}, schemaAccepts},
	{"group names are case-sensitive", withHeader("rules:", "  - name: r", "    match: {tags: {env: prod}}", "    shareWith: [Prod]"),
		[]want{{8, `undefined group "Prod"`}}, schemaAccepts},
	{"more than 50 accounts", lines(
		"version: 1",
		"groups:",
		"  big: ["+quotedIDs(2000000000000001, 49)+"]",
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		`    shareWith: [big, "2000000000000100", "2000000000000101", "2000000000000001"]`),
		[]want{{7, "rules[0].shareWith: shares with 51 accounts once groups are expanded; an image can be shared with at most 50 (maxSharesPerImage)"}}, schemaAccepts},
	{"more than a raised quota", lines(
		"version: 1",
		"maxSharesPerImage: 60",
		"groups:",
		"  big: ["+quotedIDs(2000000000000001, 61)+"]",
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		`    shareWith: [big]`),
		[]want{{8, "rules[0].shareWith: shares with 61 accounts once groups are expanded; an image can be shared with at most 60 (maxSharesPerImage)"}}, schemaAccepts},
	{"a lowered quota", lines(
		"version: 1",
		"maxSharesPerImage: 2",
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		`    shareWith: ["2000000000000001", "2000000000000002", "2000000000000003"]`),
		[]want{{6, "shares with 3 accounts once groups are expanded; an image can be shared with at most 2"}}, schemaAccepts},

	// Distribution: copyTo and reencrypt.
	{"copyTo not a region", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: [cn-shanghai, Shanghai]"),
		[]want{{9, `rules[0].copyTo[1]: "Shanghai" is not a region id`}}, schemaRejects},
	{"copyTo empty", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: []"),
		[]want{{9, "rules[0].copyTo: copyTo is empty"}}, schemaRejects},
	{"copyTo bad kmsKeyId", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: [{region: ap-southeast-1, kmsKeyId: alias/golden}]"),
		[]want{{9, `rules[0].copyTo[0].kmsKeyId: "alias/golden" is not a KMS key id`}}, schemaRejects},
	{"copyTo entry without region", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: [{kmsKeyId: key-sg-0001}]"),
		[]want{{9, "rules[0].copyTo[0]: a copyTo entry needs region"}}, schemaRejects},
	{"copyTo unknown key", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: [{region: cn-beijing, kmsKey: key-bj-0001}]"),
		[]want{{9, `unknown key "kmsKey" (did you mean "kmsKeyId"?)`}}, schemaRejects},
	{"copyTo own only region", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}, regions: [cn-hangzhou]}",
		"    shareWith: [prod]",
		"    copyTo: [cn-hangzhou]"),
		[]want{{9, "copyTo names cn-hangzhou, the only region the rule matches in"}}, schemaAccepts},
	{"reencrypt without kmsKeyId", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}, regions: [cn-hangzhou]}",
		"    shareWith: [prod]",
		"    reencrypt: {}"),
		[]want{{9, "rules[0].reencrypt: reencrypt needs kmsKeyId"}}, schemaRejects},
	{"reencrypt not a key id", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: prod}, regions: [cn-hangzhou]}",
		"    shareWith: [prod]",
		"    reencrypt: {kmsKeyId: acs:kms:cn-hangzhou:1000000000000001:key/abc}"),
		[]want{{9, "is not a KMS key id"}}, schemaRejects},
	{"reencrypt in every region", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: secure}}",
		"    shareWith: [prod]",
		"    reencrypt: {kmsKeyId: key-hz-0001}"),
		[]want{{9, "the rule matches in every region, but a KMS key belongs to one region"}}, schemaAccepts},
	{"reencrypt in two regions", withHeader(
		"rules:",
		"  - name: r",
		"    match: {tags: {env: secure}, regions: [cn-hangzhou, cn-beijing]}",
		"    shareWith: [prod]",
		"    reencrypt: {kmsKeyId: e522b26d-abf6-4e0d-b5da-04b7a1b2c33c}"),
		[]want{{9, "the rule matches in 2 regions"}}, schemaAccepts},
}

// quotedIDs returns n consecutive account ids from first, quoted and
// separated by commas.
func quotedIDs(first, n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Quote(strconv.Itoa(first + i))
	}
	return strings.Join(ids, ", ")
}

func TestProblems(t *testing.T) {
	for _, tc := range problemCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.src))
			checkProblems(t, err, "p.yaml", tc.want)
		})
	}
}

// checkProblems asserts that err is a *ValidationError holding exactly the
// wanted problems, in order.
func checkProblems(t *testing.T, err error, file string, wants []want) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse: got error %v (%T), want a *ValidationError", err, err)
	}
	for i, p := range ve.Problems {
		if p.File != file {
			t.Errorf("problem %d: File = %q, want %q", i, p.File, file)
		}
		if i >= len(wants) {
			t.Errorf("unexpected problem: %s", p)
			continue
		}
		w := wants[i]
		if p.Line != w.line || !strings.Contains(p.String(), w.msg) {
			t.Errorf("problem %d:\n got: %s\nwant: line %d containing %q", i, p, w.line, w.msg)
		}
		if p.Line > 0 && p.Column == 0 && !strings.Contains(p.Message, "invalid YAML") {
			t.Errorf("problem %d has a line but no column: %s", i, p)
		}
	}
	for _, w := range wants[min(len(wants), len(ve.Problems)):] {
		t.Errorf("missing problem: line %d containing %q", w.line, w.msg)
	}
}

func TestInvalidFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []want
	}{
		{"typo.yaml", []want{
			{6, `rules[0]: rule "prod-images" shares with nobody`},
			{9, `rules[0].shareWth: unknown key "shareWth" (did you mean "shareWith"?)`},
		}},
		{"several-errors.yaml", []want{
			{2, "version: unsupported version 2"},
			{4, `groups.prod[1]: InvalidAccountId: "200000000000002" has 15 digits`},
			{5, `group name "2000000000000007" is all digits`},
			{10, `rules[0].shareWith[0]: undefined group "prd" (defined groups: prod)`},
			{11, `rules[1].name: duplicate rule name "prod-images" (first used at line 7)`},
			{12, "rules[1].match: match is empty"},
			{14, `rules[2]: rule "no-share" shares with nobody`},
			{17, "allow[0]: InvalidAccountId: 4000000000000001 is a number here"},
			{18, `protect[0]: InvalidAccountId: "abc" is not an account id`},
			{19, "maxRemovalsPerImage: must be 0 or more, got -1"},
			{20, `prune: want true or false, got "yes"`},
		}},
		{"wrong-types.json", []want{
			{2, `version: want the number 1, got "1"`},
			{3, `groups.prod: want a list of account ids, or a Resource Directory group ({resourceDirectoryFolder: fd-...} or {resourceDirectory: true}), got "2000000000000001"`},
			{5, `rules[0].match.tags.env[1]: want a tag value (a string), got the number 1`},
			{5, `rules[0].match.regions: want a list of region ids, got "cn-hangzhou"`},
			{7, `prune: want true or false, got "false"`},
		}},
		{"too-many-accounts.yaml", []want{
			{20, "rules[1].shareWith: shares with 51 accounts"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("..", "testdata", "policy", "invalid", tc.file)
			_, err := Load(path)
			checkProblems(t, err, path, tc.want)
		})
	}
}

func TestErrorRendering(t *testing.T) {
	path := filepath.Join("..", "testdata", "policy", "invalid", "several-errors.yaml")
	_, err := Load(path)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load: %v", err)
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(ve.Problems) {
		t.Fatalf("Error() has %d lines for %d problems:\n%s", len(got), len(ve.Problems), err)
	}
	wantFirst := path + `:2:10: version: unsupported version 2: this build reads version 1`
	if got[0] != wantFirst {
		t.Errorf("first line:\n got: %s\nwant: %s", got[0], wantFirst)
	}

	oe := ve.OutcomeError()
	if oe.Code != outcome.InvalidPolicy {
		t.Errorf("OutcomeError().Code = %s, want InvalidPolicy", oe.Code)
	}
	if !strings.HasPrefix(oe.Message, "11 problem(s) in policy: "+wantFirst+"; ") || strings.Contains(oe.Message, "\n") {
		t.Errorf("OutcomeError().Message = %q", oe.Message)
	}
	var back *ValidationError
	if !errors.As(oe, &back) || back != ve {
		t.Errorf("errors.As(OutcomeError(), *ValidationError) did not recover the error")
	}

	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f", Line: 3, Column: 7, Path: "rules[0]", Message: "m"}, "f:3:7: rules[0]: m"},
		{Problem{File: "f", Line: 3, Message: "m"}, "f:3: m"},
		{Problem{File: "f", Message: "m"}, "f: m"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want an error satisfying errors.Is(err, os.ErrNotExist)", err)
	}
}

func TestParseDefaultFileName(t *testing.T) {
	_, err := Parse("", []byte("version: 2\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "policy:1:10: ") {
		t.Errorf("Parse(\"\", ...) = %v, want a problem located in \"policy\"", err)
	}
}

func TestExample(t *testing.T) {
	for _, file := range []string{"example.yaml", "example.json"} {
		t.Run(file, func(t *testing.T) {
			p, err := Load(filepath.Join("..", "testdata", "policy", file))
			if err != nil {
				t.Fatal(err)
			}
			if w := p.Warnings(); len(w) > 0 {
				t.Errorf("unexpected warnings: %v", w)
			}
			if p.Prune() || p.MaxRemovalsPerImage() != 10 {
				t.Errorf("Prune() = %t, MaxRemovalsPerImage() = %d; want false, 10", p.Prune(), p.MaxRemovalsPerImage())
			}
			if !p.Protected("2000000000000009") || p.Protected("2000000000000001") {
				t.Error("Protected: want only 2000000000000009")
			}
			for _, id := range []string{"2000000000000001", "2000000000000002", "2000000000000003", "3000000000000001", "4000000000000001"} {
				if !p.Allowed(id) {
					t.Errorf("Allowed(%s) = false, want true", id)
				}
			}
			for _, id := range []string{"2000000000000009", "9000000000000001", "prod", ""} {
				if p.Allowed(id) {
					t.Errorf("Allowed(%q) = true, want false (protect does not allow)", id)
				}
			}
		})
	}

	p, err := Load(filepath.Join("..", "testdata", "policy", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary()
	const wantSummary = "3 rules, 3 groups, 8 allowed accounts, 1 protected, prune: false, maxRemovalsPerImage: 10, maxSharesPerImage: 50, " +
		"regions swept: cn-hangzhou, cn-shanghai + the home region, 0 warnings"
	if s.String() != wantSummary {
		t.Errorf("Summary():\n got: %s\nwant: %s", s, wantSummary)
	}
}

func TestMaxRemovalsPerImage(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"version: 1\n", 10},
		{"version: 1\nmaxRemovalsPerImage: 0\n", 0},
		{"version: 1\nmaxRemovalsPerImage: 3\n", 3},
		{"version: 1\nmaxRemovalsPerImage: 500\n", 500},
	} {
		p, err := Parse("p.yaml", []byte(tc.src))
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if got := p.MaxRemovalsPerImage(); got != tc.want {
			t.Errorf("%q: MaxRemovalsPerImage() = %d, want %d", tc.src, got, tc.want)
		}
	}
}

// TestMaxSharesPerImage: a raised quota lets a rule ask for more than 50
// accounts; the default is ECS's 50.
func TestMaxSharesPerImage(t *testing.T) {
	rule := func(n int) string {
		return "rules:\n  - name: r\n    match: {tags: {env: prod}}\n    shareWith: [" + quotedIDs(2000000000000001, n) + "]\n"
	}
	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"default", "version: 1\n", 50},
		{"default holds 50", "version: 1\n" + rule(50), 50},
		{"raised to 100 holds 75", "version: 1\nmaxSharesPerImage: 100\n" + rule(75), 100},
		{"raised to exactly what the rule wants", "version: 1\nmaxSharesPerImage: 51\n" + rule(51), 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.MaxSharesPerImage(); got != tc.want {
				t.Errorf("MaxSharesPerImage() = %d, want %d", got, tc.want)
			}
			if got := p.Summary().MaxSharesPerImage; got != tc.want {
				t.Errorf("Summary().MaxSharesPerImage = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []want
	}{
		{"no rules", lines("version: 1"), []want{{1, "no rules: reconcile shares nothing"}}},
		{"empty rules", lines("version: 1", "rules: []"), []want{{1, "no rules"}}},
		{"trailing document marker", lines("version: 1", "---"), []want{{1, "no rules"}}},
		{"empty group", lines("version: 1", "groups: {prod: []}", "rules:", "  - name: r", "    match: {regions: [cn-hangzhou]}", "    shareWith: [prod]"),
			[]want{{2, `group "prod" is empty`}}},
		{"repeats", withHeader(`  staging: ["2000000000000004", "2000000000000004"]`,
			"rules:",
			"  - name: r",
			"    match: {tags: {tier: [gold, gold]}, regions: [cn-hangzhou, cn-hangzhou]}",
			"    shareWith: [prod, prod]",
			`allow: ["4000000000000001", "4000000000000001"]`),
			[]want{
				{5, `"2000000000000004" is listed twice (first at line 5)`},
				{8, `rules[0].match.tags.tier[1]: "gold" is listed twice`},
				{8, `rules[0].match.regions[1]: "cn-hangzhou" is listed twice`},
				{9, `rules[0].shareWith[1]: "prod" is listed twice`},
				{10, `allow[1]: "4000000000000001" is listed twice`},
			}},
		{"tag value without groups", lines("version: 1", "rules:", "  - name: r", "    match: {tags: {share-with: '*'}}", "    shareWithTagValue: share-with"),
			[]want{{3, "the policy defines no groups"}}},
		{"reencrypt with a keyless copyTo", withHeader("rules:", "  - name: r",
			"    match: {tags: {env: secure}, regions: [cn-hangzhou]}", "    shareWith: [prod]",
			"    reencrypt: {kmsKeyId: key-hz-0001}", "    copyTo: [cn-shanghai, {region: cn-beijing, kmsKeyId: key-bj-0001}]"),
			[]want{{10, "rules[0].copyTo[0]: the rule re-encrypts, so it expects encrypted images, and an encrypted image cannot be copied to cn-shanghai without a key"}}},
		// A protected account that no rule adds is the usual case (a share
		// made by hand that prune must keep), so it is not worth a warning.
		{"protect only", withHeader("rules:", "  - name: r", "    match: {regions: [cn-hangzhou]}", "    shareWith: [prod]", `protect: ["9000000000000009"]`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			got := p.Warnings()
			for i, w := range tc.want {
				if i >= len(got) {
					t.Errorf("missing warning: line %d containing %q", w.line, w.msg)
					continue
				}
				if got[i].Line != w.line || !strings.Contains(got[i].String(), w.msg) {
					t.Errorf("warning %d:\n got: %s\nwant: line %d containing %q", i, got[i], w.line, w.msg)
				}
			}
			for _, w := range got[min(len(got), len(tc.want)):] {
				t.Errorf("unexpected warning: %s", w)
			}
		})
	}
}

func TestJSONAndYAMLAgree(t *testing.T) {
	// The same mistakes in JSON get the same messages, with JSON's lines.
	src := lines(
		`{`,
		`  "version": 1,`,
		`  "groups": {"prod": ["2000000000000001"]},`,
		`  "rules": [`,
		`    {"name": "r", "match": {"tags": {"env": "prod"}}, "shareWth": ["prod"]},`,
		`    {"name": "s", "match": {"tags": {"env": "prod"}}, "shareWith": ["prd", 2000000000000001]}`,
		`  ]`,
		`}`)
	_, err := Parse("p.json", []byte(src))
	checkProblems(t, err, "p.json", []want{
		{5, `rules[0]: rule "r" shares with nobody`},
		{5, `rules[0].shareWth: unknown key "shareWth" (did you mean "shareWith"?)`},
		{6, `rules[1].shareWith[0]: undefined group "prd"`},
		{6, `rules[1].shareWith[1]: InvalidAccountId: 2000000000000001 is a number here`},
	})
}

func TestPathQuoting(t *testing.T) {
	_, err := Parse("p.yaml", []byte(withHeader("rules:", "  - name: r", "    match: {tags: {app.kubernetes.io/name: [1]}}", "    shareWith: [prod]")))
	checkProblems(t, err, "p.yaml", []want{{7, `rules[0].match.tags["app.kubernetes.io/name"][0]: want a tag value`}})
}
