package policy

import _ "embed"

//go:embed policy.schema.json
var schema string

// Schema returns the JSON Schema (draft 2020-12) of the policy format, for
// editors and for checking policies in CI. It describes the structure:
// keys, types and the patterns of account ids and names. The checks that
// span the document (version is 1, groups referenced by rules are defined,
// rule names are unique, a rule asks for at most 50 accounts) are made only
// by Parse. Every call returns a fresh copy.
func Schema() []byte { return []byte(schema) }
