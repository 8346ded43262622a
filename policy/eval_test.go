package policy

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// evalPolicy has one rule per matching form.
var evalPolicy = lines(
	"version: 1",
	"groups:",
	`  prod: ["2000000000000001", "2000000000000002"]`,
	`  staging: ["2000000000000004"]`,
	`  partners: ["3000000000000001", "3000000000000002"]`,
	"rules:",
	"  - name: exact",
	"    match: {tags: {env: prod}}",
	"    shareWith: [prod]",
	"  - name: any-of",
	"    match: {tags: {tier: [gold, silver]}}",
	`    shareWith: ["2000000000000003"]`,
	"  - name: present",
	`    match: {tags: {golden: "*"}}`,
	"    shareWith: [staging]",
	"  - name: regional",
	"    match: {tags: {env: prod}, regions: [cn-shanghai, cn-beijing]}",
	"    shareWith: [partners]",
	"  - name: region-only",
	"    match: {regions: [eu-central-1]}",
	`    shareWith: ["2000000000000005"]`,
	"  - name: all-of",
	"    match: {tags: {env: staging, team: web}}",
	`    shareWith: ["2000000000000006", staging]`,
	"  - name: opt-in",
	`    match: {tags: {share-with: "*"}}`,
	"    shareWithTagValue: share-with",
	`allow: ["4000000000000001"]`,
)

func mustParse(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDesired(t *testing.T) {
	p := mustParse(t, evalPolicy)
	hz := func(tags ...string) Image {
		img := Image{ID: "m-1", Region: "cn-hangzhou", OwnerID: "1000000000000001", Tags: map[string]string{}}
		for i := 0; i+1 < len(tags); i += 2 {
			img.Tags[tags[i]] = tags[i+1]
		}
		return img
	}
	in := func(region string, img Image) Image { img.Region = region; return img }
	owned := func(owner string, img Image) Image { img.OwnerID = owner; return img }

	type because = map[string][]string
	for _, tc := range []struct {
		name    string
		img     Image
		rules   []string
		because because // the desired accounts are its keys
		unknown []UnknownGroup
	}{
		{name: "no tags", img: hz()},
		{name: "nil tags", img: Image{Region: "cn-hangzhou"}},
		{name: "exact", img: hz("env", "prod"), rules: []string{"exact"},
			because: because{"2000000000000001": {"exact/prod"}, "2000000000000002": {"exact/prod"}}},
		{name: "exact is case-sensitive", img: hz("env", "Prod")},
		{name: "exact mismatch", img: hz("env", "production")},
		{name: "missing key", img: hz("environment", "prod")},
		{name: "any-of first", img: hz("tier", "gold"), rules: []string{"any-of"},
			because: because{"2000000000000003": {"any-of"}}},
		{name: "any-of second", img: hz("tier", "silver"), rules: []string{"any-of"},
			because: because{"2000000000000003": {"any-of"}}},
		{name: "any-of none", img: hz("tier", "bronze")},
		{name: "present", img: hz("golden", "2024-06"), rules: []string{"present"},
			because: because{"2000000000000004": {"present/staging"}}},
		{name: "present with empty value", img: hz("golden", ""), rules: []string{"present"},
			because: because{"2000000000000004": {"present/staging"}}},
		{name: "region match", img: in("cn-beijing", hz("env", "prod")), rules: []string{"exact", "regional"},
			because: because{
				"2000000000000001": {"exact/prod"}, "2000000000000002": {"exact/prod"},
				"3000000000000001": {"regional/partners"}, "3000000000000002": {"regional/partners"},
			}},
		{name: "region mismatch", img: in("cn-shenzhen", hz("env", "prod")), rules: []string{"exact"},
			because: because{"2000000000000001": {"exact/prod"}, "2000000000000002": {"exact/prod"}}},
		{name: "region only", img: in("eu-central-1", hz()), rules: []string{"region-only"},
			because: because{"2000000000000005": {"region-only"}}},
		{name: "region only, other region", img: in("eu-west-1", hz("team", "web"))},
		{name: "no region", img: in("", hz("env", "prod")), rules: []string{"exact"},
			because: because{"2000000000000001": {"exact/prod"}, "2000000000000002": {"exact/prod"}}},
		{name: "all of two tags", img: hz("env", "staging", "team", "web"), rules: []string{"all-of"},
			because: because{"2000000000000006": {"all-of"}, "2000000000000004": {"all-of/staging"}}},
		{name: "one of two tags", img: hz("env", "staging")},
		{name: "other of two tags", img: hz("team", "web")},
		{name: "union", img: in("cn-shanghai", hz("env", "prod", "tier", "gold", "golden", "yes")),
			rules: []string{"exact", "any-of", "present", "regional"},
			because: because{
				"2000000000000001": {"exact/prod"}, "2000000000000002": {"exact/prod"},
				"2000000000000003": {"any-of"}, "2000000000000004": {"present/staging"},
				"3000000000000001": {"regional/partners"}, "3000000000000002": {"regional/partners"},
			}},
		{name: "one account, two rules", img: hz("golden", "x", "env", "staging", "team", "web"),
			rules:   []string{"present", "all-of"},
			because: because{"2000000000000004": {"present/staging", "all-of/staging"}, "2000000000000006": {"all-of"}}},
		{name: "owner excluded", img: owned("2000000000000001", hz("env", "prod")), rules: []string{"exact"},
			because: because{"2000000000000002": {"exact/prod"}}},
		{name: "owner is the only account", img: owned("2000000000000003", hz("tier", "gold")), rules: []string{"any-of"}},

		// shareWithTagValue.
		{name: "tag names a group", img: hz("share-with", "partners"), rules: []string{"opt-in"},
			because: because{
				"3000000000000001": {"opt-in/partners (tag share-with)"},
				"3000000000000002": {"opt-in/partners (tag share-with)"},
			}},
		{name: "tag names groups, comma separated", img: hz("share-with", "partners,staging"), rules: []string{"opt-in"},
			because: because{
				"2000000000000004": {"opt-in/staging (tag share-with)"},
				"3000000000000001": {"opt-in/partners (tag share-with)"},
				"3000000000000002": {"opt-in/partners (tag share-with)"},
			}},
		{name: "tag names groups, space separated", img: hz("share-with", "partners staging"), rules: []string{"opt-in"},
			because: because{
				"2000000000000004": {"opt-in/staging (tag share-with)"},
				"3000000000000001": {"opt-in/partners (tag share-with)"},
				"3000000000000002": {"opt-in/partners (tag share-with)"},
			}},
		{name: "tag names groups, mixed and empty pieces", img: hz("share-with", " ,staging,, \tstaging ,"), rules: []string{"opt-in"},
			because: because{"2000000000000004": {"opt-in/staging (tag share-with)"}}},
		{name: "tag value empty", img: hz("share-with", ""), rules: []string{"opt-in"}},
		{name: "tag names an unknown group", img: hz("share-with", "prd,staging"), rules: []string{"opt-in"},
			because: because{"2000000000000004": {"opt-in/staging (tag share-with)"}},
			unknown: []UnknownGroup{{Rule: "opt-in", Tag: "share-with", Name: "prd"}}},
		{name: "tag group names are case-sensitive", img: hz("share-with", "Partners"), rules: []string{"opt-in"},
			unknown: []UnknownGroup{{Rule: "opt-in", Tag: "share-with", Name: "Partners"}}},
		{name: "tag names an account id", img: hz("share-with", "2000000000000001"), rules: []string{"opt-in"},
			unknown: []UnknownGroup{{Rule: "opt-in", Tag: "share-with", Name: "2000000000000001"}}},
		{name: "tag names a non-allowed account id", img: hz("share-with", "9000000000000001 partners"), rules: []string{"opt-in"},
			because: because{
				"3000000000000001": {"opt-in/partners (tag share-with)"},
				"3000000000000002": {"opt-in/partners (tag share-with)"},
			},
			unknown: []UnknownGroup{{Rule: "opt-in", Tag: "share-with", Name: "9000000000000001"}}},
		{name: "tag and rule ask for one account", img: hz("env", "prod", "share-with", "prod"), rules: []string{"exact", "opt-in"},
			because: because{
				"2000000000000001": {"exact/prod", "opt-in/prod (tag share-with)"},
				"2000000000000002": {"exact/prod", "opt-in/prod (tag share-with)"},
			}},
		{name: "tag names the owner's group", img: owned("2000000000000004", hz("share-with", "staging")), rules: []string{"opt-in"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Desired(tc.img)
			var accounts []string
			for a := range tc.because {
				accounts = append(accounts, a)
			}
			slices.Sort(accounts)
			if !slices.Equal(d.Accounts, accounts) {
				t.Errorf("Accounts = %v, want %v", d.Accounts, accounts)
			}
			if len(d.Because) != 0 || len(tc.because) != 0 {
				if !reflect.DeepEqual(d.Because, map[string][]string(tc.because)) {
					t.Errorf("Because = %v, want %v", d.Because, tc.because)
				}
			}
			if !slices.Equal(d.Rules, tc.rules) {
				t.Errorf("Rules = %v, want %v", d.Rules, tc.rules)
			}
			if !slices.Equal(d.UnknownGroups, tc.unknown) {
				t.Errorf("UnknownGroups = %v, want %v", d.UnknownGroups, tc.unknown)
			}
		})
	}
}

func TestDesiredExample(t *testing.T) {
	p, err := Load(filepath.Join("..", "testdata", "policy", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Desired(Image{
		ID: "m-golden-001", Region: "cn-hangzhou", OwnerID: "1000000000000001",
		Tags: map[string]string{"env": "prod", "tier": "gold", "golden": "2024.06", "share-with": "partners, nobody"},
	})
	want := Decision{
		Accounts: []string{"2000000000000001", "2000000000000002", "2000000000000003", "3000000000000001", "3000000000000002"},
		Because: map[string][]string{
			"2000000000000001": {"prod-images/prod"},
			"2000000000000002": {"prod-images/prod"},
			"2000000000000003": {"prod-images"},
			"3000000000000001": {"opt-in-by-tag/partners (tag share-with)"},
			"3000000000000002": {"opt-in-by-tag/partners (tag share-with)"},
		},
		Rules:         []string{"prod-images", "opt-in-by-tag"},
		UnknownGroups: []UnknownGroup{{Rule: "opt-in-by-tag", Tag: "share-with", Name: "nobody"}},
		Protect:       []string{"2000000000000009"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Desired:\n got: %+v\nwant: %+v", d, want)
	}
	const wantUnknown = `rule "opt-in-by-tag": tag share-with names "nobody", which is not a group of the policy; nothing was shared for it`
	if got := d.UnknownGroups[0].String(); got != wantUnknown {
		t.Errorf("UnknownGroup.String():\n got: %s\nwant: %s", got, wantUnknown)
	}
	const wantID = `rule "r": tag t names "2000000000000001", an account id; tag values may only name groups; nothing was shared for it`
	if got := (UnknownGroup{Rule: "r", Tag: "t", Name: "2000000000000001"}).String(); got != wantID {
		t.Errorf("UnknownGroup.String():\n got: %s\nwant: %s", got, wantID)
	}
}

// TestDesiredDoesNotAlias checks that a Decision does not share memory with
// the Policy: a caller that modifies one cannot corrupt the next.
func TestDesiredDoesNotAlias(t *testing.T) {
	p := mustParse(t, evalPolicy)
	img := Image{Region: "cn-hangzhou", Tags: map[string]string{"env": "prod"}}
	d := p.Desired(img)
	d.Because["2000000000000001"][0] = "changed"
	d.Accounts[0] = "changed"
	if again := p.Desired(img); again.Because["2000000000000001"][0] != "exact/prod" || again.Accounts[0] != "2000000000000001" {
		t.Errorf("a change to one Decision showed in the next: %+v", again)
	}
}

func TestRegions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		want  []string
		every bool
	}{
		{"no rules", "version: 1\n", nil, false},
		{"all restricted", withHeader("rules:",
			"  - {name: a, match: {regions: [cn-shanghai, cn-hangzhou]}, shareWith: [prod]}",
			"  - {name: b, match: {tags: {x: y}, regions: [cn-hangzhou, eu-central-1]}, shareWith: [prod]}"),
			[]string{"cn-hangzhou", "cn-shanghai", "eu-central-1"}, false},
		{"mixed", withHeader("rules:",
			"  - {name: a, match: {regions: [cn-shanghai]}, shareWith: [prod]}",
			"  - {name: b, match: {tags: {x: y}}, shareWith: [prod]}"),
			[]string{"cn-shanghai"}, true},
		{"unrestricted", withHeader("rules:",
			"  - {name: b, match: {tags: {x: y}}, shareWith: [prod]}"),
			nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.src)
			if got := p.Regions(); !slices.Equal(got, tc.want) {
				t.Errorf("Regions() = %v, want %v", got, tc.want)
			}
			if got := p.EveryRegion(); got != tc.every {
				t.Errorf("EveryRegion() = %t, want %t", got, tc.every)
			}
		})
	}
}

func TestDesiredCopies(t *testing.T) {
	p := mustParse(t, lines(
		"version: 1",
		"groups:",
		`  prod: ["2000000000000001", "2000000000000002"]`,
		"rules:",
		"  - name: golden",
		"    match: {tags: {env: prod}}",
		"    shareWith: [prod]",
		"    copyTo: [cn-shanghai, {region: ap-southeast-1, kmsKeyId: key-sg-0001}]",
		"  - name: also-golden",
		"    match: {tags: {env: prod}}",
		`    shareWith: ["2000000000000003"]`,
		"    copyTo: [{region: cn-shanghai, kmsKeyId: key-sh-0001}, cn-beijing]",
		"  - name: secure",
		"    match: {tags: {env: secure}, regions: [cn-hangzhou]}",
		"    shareWith: [prod]",
		"    reencrypt: {kmsKeyId: key-hz-0001}",
	))
	img := func(region string, encrypted, isCopy bool, env string) Image {
		return Image{ID: "m-1", Region: region, OwnerID: "1000000000000001", Tags: map[string]string{"env": env},
			Encrypted: encrypted, IsCopy: isCopy}
	}
	for _, tc := range []struct {
		name         string
		img          Image
		wantAccounts []string
		wantMoved    []string
		wantCopies   []CopyTarget
	}{
		{"copyTo, first rule decides a region's key, own region skipped", img("cn-beijing", false, false, "prod"),
			[]string{"2000000000000001", "2000000000000002", "2000000000000003"}, nil,
			[]CopyTarget{{Region: "cn-shanghai", Rule: "golden"}, {Region: "ap-southeast-1", KMSKeyID: "key-sg-0001", Rule: "golden"}}},
		{"a copy is shared but never copied", img("cn-hangzhou", false, true, "prod"),
			[]string{"2000000000000001", "2000000000000002", "2000000000000003"}, nil, nil},
		{"encrypted image with reencrypt: accounts move to the copy", img("cn-hangzhou", true, false, "secure"),
			nil, []string{"2000000000000001", "2000000000000002"},
			[]CopyTarget{{Region: "cn-hangzhou", KMSKeyID: "key-hz-0001", Reencrypt: true, Rule: "secure"}}},
		{"unencrypted image with reencrypt is shared directly", img("cn-hangzhou", false, false, "secure"),
			[]string{"2000000000000001", "2000000000000002"}, nil, nil},
		{"the re-encrypted copy is shared", img("cn-hangzhou", true, true, "secure"),
			[]string{"2000000000000001", "2000000000000002"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Desired(tc.img)
			if !slices.Equal(d.Accounts, tc.wantAccounts) {
				t.Errorf("Accounts = %v, want %v", d.Accounts, tc.wantAccounts)
			}
			if !slices.Equal(d.Moved, tc.wantMoved) {
				t.Errorf("Moved = %v, want %v", d.Moved, tc.wantMoved)
			}
			if !reflect.DeepEqual(d.Copies, tc.wantCopies) {
				t.Errorf("Copies = %+v, want %+v", d.Copies, tc.wantCopies)
			}
		})
	}
	if got, want := p.CopyRegions(), []string{"ap-southeast-1", "cn-beijing", "cn-shanghai"}; !slices.Equal(got, want) {
		t.Errorf("CopyRegions = %v, want %v", got, want)
	}
}
