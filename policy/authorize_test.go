package policy

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestAuthorize(t *testing.T) {
	p, err := Load(filepath.Join("..", "testdata", "policy", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type denial struct {
		account string
		code    outcome.Code
	}
	for _, tc := range []struct {
		name    string
		names   []string
		because map[string][]string // the granted accounts are its keys
		denied  []denial
	}{
		{name: "nothing", names: nil},
		{name: "group member", names: []string{"2000000000000001"},
			because: map[string][]string{"2000000000000001": {"request"}}},
		{name: "literal id in a rule", names: []string{"2000000000000003"},
			because: map[string][]string{"2000000000000003": {"request"}}},
		{name: "allow", names: []string{"4000000000000001"},
			because: map[string][]string{"4000000000000001": {"request"}}},
		{name: "group", names: []string{"partners"},
			because: map[string][]string{"3000000000000001": {"request/partners"}, "3000000000000002": {"request/partners"}}},
		{name: "group and one of its members", names: []string{"prod", "2000000000000001"},
			because: map[string][]string{"2000000000000001": {"request/prod", "request"}, "2000000000000002": {"request/prod"}}},
		{name: "repeats", names: []string{"prod", "prod", "2000000000000002", "2000000000000002"},
			because: map[string][]string{"2000000000000001": {"request/prod"}, "2000000000000002": {"request/prod", "request"}}},
		{name: "id not on the allow-list", names: []string{"9000000000000001"},
			denied: []denial{{"9000000000000001", outcome.PolicyDenied}}},
		{name: "protected is not allowed", names: []string{"2000000000000009"},
			denied: []denial{{"2000000000000009", outcome.PolicyDenied}}},
		{name: "unknown group", names: []string{"prd"},
			denied: []denial{{"prd", outcome.PolicyDenied}}},
		{name: "group names are case-sensitive", names: []string{"Prod"},
			denied: []denial{{"Prod", outcome.PolicyDenied}}},
		{name: "malformed id", names: []string{"200000000000001"},
			denied: []denial{{"200000000000001", outcome.InvalidAccountID}}},
		{name: "empty name", names: []string{""},
			denied: []denial{{"", outcome.InvalidAccountID}}},
		{name: "mixed, denied once each", names: []string{"9000000000000001", "staging", "prd", "9000000000000001", "123", "4000000000000001"},
			because: map[string][]string{
				"2000000000000004": {"request/staging"}, "2000000000000005": {"request/staging"},
				"4000000000000001": {"request"},
			},
			denied: []denial{
				{"9000000000000001", outcome.PolicyDenied},
				{"prd", outcome.PolicyDenied},
				{"123", outcome.InvalidAccountID},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accounts, because, denied := p.Authorize(tc.names)
			var want []string
			for a := range tc.because {
				want = append(want, a)
			}
			slices.Sort(want)
			if !slices.Equal(accounts, want) {
				t.Errorf("accounts = %v, want %v", accounts, want)
			}
			if (len(because) != 0 || len(tc.because) != 0) && !reflect.DeepEqual(because, tc.because) {
				t.Errorf("because = %v, want %v", because, tc.because)
			}
			var got []denial
			for _, e := range denied {
				got = append(got, denial{e.Account, e.Code})
				if e.Message == "" || e.Retryable {
					t.Errorf("denial %v: want a message and Retryable false", e)
				}
			}
			if !slices.Equal(got, tc.denied) {
				t.Errorf("denied = %v, want %v", denied, tc.denied)
			}
		})
	}
}

func TestAuthorizeMessages(t *testing.T) {
	p := mustParse(t, evalPolicy)
	_, _, denied := p.Authorize([]string{"9000000000000001", "prd", "12345"})
	want := []string{
		"PolicyDenied (account 9000000000000001): account 9000000000000001 is not on the policy's allow-list (members of groups, account ids in rules, and allow)",
		`PolicyDenied (account prd): "prd" is neither an account id nor a group of the policy`,
		`InvalidAccountId (account 12345): "12345" is not an account id: want exactly 16 digits`,
	}
	var got []string
	for _, e := range denied {
		got = append(got, e.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("denials:\n got: %q\nwant: %q", got, want)
	}
}

func TestAllowedMatchesDesired(t *testing.T) {
	// Every account a rule can ask for, via shareWith or a tag, is allowed,
	// so share requests can always name what reconcile would share.
	p := mustParse(t, evalPolicy)
	for _, r := range p.rules {
		for _, s := range r.shares {
			if !p.Allowed(s.account) {
				t.Errorf("rule %s shares with %s, which is not Allowed", r.name, s.account)
			}
		}
	}
	for g, members := range p.groups {
		for _, m := range members {
			if !p.Allowed(m) {
				t.Errorf("member %s of group %s is not Allowed", m, g)
			}
		}
	}
}
