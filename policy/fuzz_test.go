package policy

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// FuzzParseAndEvaluate parses arbitrary bytes as a policy. Whatever the input,
// nothing may panic and a rejection must be a located *ValidationError. An
// accepted policy must satisfy the schema, and evaluating it against images
// built to match each rule must keep the invariants of Decision and Authorize.
// The seed corpus is in testdata/fuzz/FuzzParseAndEvaluate.
func FuzzParseAndEvaluate(f *testing.F) {
	for _, file := range []string{"example.yaml", "example.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "policy", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(evalPolicy))
	f.Add([]byte(dirPolicy))
	schema := compileSchema(f)

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkRejection(t, err)
			return
		}
		if v, ok := asJSON(data); !ok {
			t.Fatalf("accepted a policy with no JSON equivalent")
		} else if err := schema.Validate(v); err != nil {
			t.Fatalf("accepted a policy the schema rejects: %v", err)
		}
		for _, fi := range fuzzImages(p) {
			d := p.Desired(fi.img)
			checkDecision(t, p, fi.img, d)
			if fi.rule != "" && !slices.Contains(d.Rules, fi.rule) {
				t.Fatalf("rule %s did not match an image built to match it: %+v", fi.rule, fi.img)
			}
		}
		checkAuthorize(t, p)
		_ = p.Summary().String()
	})
}

func checkRejection(t *testing.T, err error) {
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		t.Fatalf("Parse error %v (%T): want a *ValidationError with problems", err, err)
	}
	for _, p := range ve.Problems {
		if p.File != "fuzz.yaml" || p.Message == "" || p.Line < 0 || p.Column < 0 {
			t.Fatalf("badly formed problem: %#v", p)
		}
	}
	if oe := ve.OutcomeError(); oe.Code != outcome.InvalidPolicy {
		t.Fatalf("OutcomeError().Code = %s", oe.Code)
	}
}

type fuzzImage struct {
	img  Image
	rule string // the rule img was built to match, if any
}

// fuzzImages returns a few fixed images and, for each rule, an image built to
// match it, owned by one of the accounts the rule would share with.
func fuzzImages(p *Policy) []fuzzImage {
	groups := strings.Join(slices.Sorted(maps.Keys(p.groups)), ", ")
	imgs := []fuzzImage{
		{img: Image{}},
		{img: Image{Region: "cn-hangzhou", OwnerID: "1000000000000001",
			Tags: map[string]string{"env": "prod", "share-with": groups + " 2000000000000001 ,x"}}},
	}
	for i, r := range p.rules {
		if i == 50 {
			break
		}
		img := Image{Region: "cn-hangzhou", Tags: map[string]string{}}
		if len(r.regions) > 0 {
			img.Region = r.regions[len(r.regions)-1]
		}
		for _, t := range r.tags {
			if t.any {
				img.Tags[t.key] = ""
			} else {
				img.Tags[t.key] = t.values[len(t.values)-1]
			}
		}
		if r.tagValue != "" {
			if _, set := img.Tags[r.tagValue]; !set {
				img.Tags[r.tagValue] = groups
			}
		}
		if len(r.shares) > 0 {
			img.OwnerID = r.shares[0].account
		}
		imgs = append(imgs, fuzzImage{img, r.name})
	}
	return imgs
}

func checkDecision(t *testing.T, p *Policy, img Image, d Decision) {
	if !slices.IsSorted(d.Accounts) || len(slices.Compact(slices.Clone(d.Accounts))) != len(d.Accounts) {
		t.Fatalf("Accounts not sorted and distinct: %v", d.Accounts)
	}
	if len(d.Because) != len(d.Accounts) {
		t.Fatalf("Because has %d accounts, Accounts %d", len(d.Because), len(d.Accounts))
	}
	for _, a := range d.Accounts {
		if a == img.OwnerID {
			t.Fatalf("the owner %s is desired", a)
		}
		if !p.Allowed(a) {
			t.Fatalf("desired account %s is not on the allow-list", a)
		}
		if len(d.Because[a]) == 0 {
			t.Fatalf("desired account %s has no because entry", a)
		}
	}
	// Rules must list, in file order, exactly the rules that match.
	var want []string
	for _, r := range p.rules {
		if r.matches(img) {
			want = append(want, r.name)
		}
	}
	if !slices.Equal(d.Rules, want) {
		t.Fatalf("Rules = %v, want %v (index and full scan disagree)", d.Rules, want)
	}
	for _, u := range d.UnknownGroups {
		if _, ok := p.groups[u.Name]; ok || u.Name == "" {
			t.Fatalf("UnknownGroups lists %q", u.Name)
		}
	}
}

func checkAuthorize(t *testing.T, p *Policy) {
	names := []string{"", "123", "9999999999999999", "no-such-group", "4000000000000001"}
	for g, members := range p.groups {
		names = append(names, g)
		names = append(names, members...)
	}
	accounts, because, denied := p.Authorize(names)
	if !slices.IsSorted(accounts) || len(because) != len(accounts) {
		t.Fatalf("Authorize: accounts %v, because %v", accounts, because)
	}
	for _, a := range accounts {
		if !p.Allowed(a) || len(because[a]) == 0 {
			t.Fatalf("Authorize granted %s (allowed %t, because %v)", a, p.Allowed(a), because[a])
		}
	}
	for _, e := range denied {
		dirDenial := e.Code == outcome.DirectoryUnavailable && len(p.dirGroups) > 0
		if e.Code != outcome.PolicyDenied && e.Code != outcome.InvalidAccountID && !dirDenial || e.Message == "" {
			t.Fatalf("Authorize denial %v", e)
		}
		if p.Allowed(e.Account) {
			t.Fatalf("Authorize denied allowed account %s", e.Account)
		}
	}
}
