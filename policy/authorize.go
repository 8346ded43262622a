package policy

import (
	"errors"
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
//
// Authorize is AuthorizeIn without a directory: Resource Directory groups,
// and account ids that only such a group could allow, are denied with
// DirectoryUnavailable.
func (p *Policy) Authorize(names []string) (accounts []string, because map[string][]string, denied []*outcome.Error) {
	return p.AuthorizeIn(names, nil)
}

// AuthorizeIn is Authorize with the Resource Directory as read (nil when it
// was not read). Members of the policy's directory groups are on the
// allow-list: a directory group is granted as its members, because
// "request/<group>", and an account id that only a directory group allows is
// granted because "request". When a directory group that could allow an
// account (or that the request names) could not be read, the name is denied
// with DirectoryUnavailable, retryable as the read was, rather than
// PolicyDenied: the answer is not known.
func (p *Policy) AuthorizeIn(names []string, dir Directory) (accounts []string, because map[string][]string, denied []*outcome.Error) {
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
				continue
			}
			member, unreadable := p.directoryMember(name, dir)
			switch {
			case member:
				grant(name, "request")
			case unreadable != nil:
				if !slices.ContainsFunc(denied, func(e *outcome.Error) bool { return e.Account == name }) {
					denied = append(denied, unavailableFor(name, unreadable))
				}
			default:
				deny(name, outcome.PolicyDenied, "account %s is not on the policy's allow-list "+
					"(members of groups, account ids in rules, and allow)", name)
			}
		case name == "" || isDigits(name):
			deny(name, outcome.InvalidAccountID, "%q is not an account id: want exactly 16 digits", name)
		default:
			if folder, ok := p.dirGroups[name]; ok {
				members, err := members(dir, folder)
				if err != nil {
					if !slices.ContainsFunc(denied, func(e *outcome.Error) bool { return e.Account == name }) {
						denied = append(denied, unavailableFor(name, err))
					}
					continue
				}
				for _, m := range members {
					grant(m, "request/"+name)
				}
				continue
			}
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

// directoryMember reports whether account is a member of one of the policy's
// directory groups; when it is in none of those read, unreadable is why one
// of the others could not be read (nil when all were read).
func (p *Policy) directoryMember(account string, dir Directory) (member bool, unreadable error) {
	for _, g := range p.DirectoryGroups() {
		ms, err := members(dir, g.Folder)
		if err != nil {
			if unreadable == nil {
				unreadable = fmt.Errorf("group %s (%s): %w", g.Name, dirLabel(g.Folder), err)
			}
			continue
		}
		if _, found := slices.BinarySearch(ms, account); found {
			return true, nil
		}
	}
	return false, unreadable
}

// unavailableFor is the denial of a name that a directory group that could
// not be read might have allowed; it keeps the read's code and retryability.
func unavailableFor(name string, err error) *outcome.Error {
	e := &outcome.Error{Account: name, Code: outcome.DirectoryUnavailable, Err: err,
		Message: "the Resource Directory could not be read, so whether the policy allows this is not known: " + err.Error()}
	var oe *outcome.Error
	if errors.As(err, &oe) {
		e.Retryable = oe.Retryable
	}
	return e
}
