package handler_test

import (
	"bytes"
	"encoding/json"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/imageshare/ecs-image-share/outcome"
)

// validateOutcome checks a published body against the outcome's JSON Schema.
func validateOutcome(body []byte) error {
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(outcome.Schema()))
	if err != nil {
		return err
	}
	if err := c.AddResource("outcome.schema.json", doc); err != nil {
		return err
	}
	s, err := c.Compile("outcome.schema.json")
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return s.Validate(v)
}
