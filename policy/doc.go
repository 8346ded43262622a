// Package policy loads, validates and evaluates the sharing policy: the file
// that says which accounts each ECS custom image is shared with, decided by the
// image's tags and region.
//
// The package is pure: it makes no cloud calls, reads no environment, and keeps
// no package-level mutable state. A *Policy is immutable and safe for
// concurrent use.
//
// # Loading
//
// Parse and Load read YAML or JSON (JSON is read as YAML, so both get the same
// checks and line numbers). The whole file is checked before anything is
// rejected, and every problem is returned at once in a *ValidationError, each
// with its file, line, column and path (such as rules[2].shareWith[0]):
//
//	policy.yaml:14:5: rules[0].shareWth: unknown key "shareWth" (did you mean "shareWith"?); a rule takes only name, match, shareWith, shareWithTagValue, prune, protect
//	policy.yaml:21:19: rules[1].shareWith[0]: undefined group "prd" (defined groups: partners, prod, staging)
//
// Unknown keys are errors, so that a misspelt key cannot silently disable a
// rule. Strings are compared exactly, so values YAML would read as numbers or
// booleans (account ids, tag values such as 1.10 or true) must be quoted.
// YAML aliases and merge keys are refused. policy.schema.json (see Schema)
// describes the same structure for editors; schema_test.go keeps the two in
// step.
//
// # Evaluating
//
// Policy.Desired says which accounts an image should be shared with, and why
// (Decision.Because), for reconcile. Policy.Authorize checks the accounts named
// by a share or unshare request against the allow-list. Policy.Allowed,
// Protected, Prune, MaxRemovalsPerImage, Regions and EveryRegion expose the
// rest of the policy to the planner.
//
// Names: an entry made only of digits is an account id and must have exactly
// 16; anything else is a group name. Group and rule names use letters, digits,
// '.', '_' and '-', and a group name has at least one non-digit, so the two
// never overlap and because entries ("rule/group") are unambiguous.
package policy
