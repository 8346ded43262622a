package policy

import (
	"fmt"
	"slices"

	"github.com/imageshare/ecs-image-share/outcome"
)

// Authorize checks the accounts field of a share or unshare request. Each
// name is an account id or a group name of the policy:
//
//   - an account id on the allow-list is granted, because "request";
//   - a group is granted as its members, because "request/<group>";
//   - an account id off the allow-list is denied with PolicyDenied;
//   - a name made only of digits but not 16 of them (or an empty name) is
//     denied with InvalidAccountId;
//   - any other name is not a group of the policy and is denied with
//     PolicyDenied.
//
// Each denial carries the name as its Account, and a name is denied once
// however often it is repeated. accounts is sorted and has no repeats. The
// caller still removes the image's owner, and checks Protected before an
// unshare: Authorize only says which accounts a request may name.
func (p *Policy) Authorize(names []string) (accounts []string, because map[string][]string, denied []*outcome.Error) {
	grant := func(account, reason string) {
		if because == nil {
			because = map[string][]string{}
		}
		reasons, ok := because[account]
		if !ok {
			accounts = append(accounts, account)
		}
		if !slices.Contains(reasons, reason) {
			because[account] = append(reasons, reason)
		}
	}
	deny := func(name string, code outcome.Code, format string, args ...any) {
		if slices.ContainsFunc(denied, func(e *outcome.Error) bool { return e.Account == name }) {
			return
		}
		denied = append(denied, &outcome.Error{Account: name, Code: code, Message: fmt.Sprintf(format, args...)})
	}

	for _, name := range names {
		switch {
		case isAccountID(name):
			if p.allowed[name] {
				grant(name, "request")
			} else {
				deny(name, outcome.PolicyDenied, "account %s is not on the policy's allow-list "+
					"(members of groups, account ids in rules, and allow)", name)
			}
		case name == "" || isDigits(name):
			deny(name, outcome.InvalidAccountID, "%q is not an account id: want exactly 16 digits", name)
		default:
			members, ok := p.groups[name]
			if !ok {
				deny(name, outcome.PolicyDenied, "%q is neither an account id nor a group of the policy", name)
				continue
			}
			for _, m := range members {
				grant(m, "request/"+name)
			}
		}
	}
	slices.Sort(accounts)
	return accounts, because, denied
}
