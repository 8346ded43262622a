package outcome

import _ "embed"

// schemaJSON is the outcome's JSON Schema (draft 2020-12). A string, so the
// embedded copy cannot be changed by anyone holding it.
//
//go:embed outcome.schema.json
var schemaJSON string

// SchemaID is the schema's $id.
const SchemaID = "https://github.com/imageshare/ecs-image-share/outcome.schema.json"

// Schema returns the outcome's JSON Schema, for consumers that validate
// messages and for documentation.
func Schema() []byte { return []byte(schemaJSON) }
