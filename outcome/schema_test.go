package outcome

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDoc is the schema decoded as plain JSON, for structural checks.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	return doc
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

// jsonNames returns the JSON field names of a struct type.
func jsonNames(typ reflect.Type) []string {
	var names []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func keys(m any) []string {
	var ks []string
	for k := range m.(map[string]any) {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func enum(t *testing.T, node any) []string {
	t.Helper()
	var out []string
	for _, v := range node.(map[string]any)["enum"].([]any) {
		out = append(out, v.(string))
	}
	slices.Sort(out)
	return out
}

func sortedStrings[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	slices.Sort(out)
	return out
}

// TestSchemaInStepWithTypes fails when a field or enum value is added on one
// side only.
func TestSchemaInStepWithTypes(t *testing.T) {
	doc := schemaDoc(t)
	props := doc["properties"].(map[string]any)
	defs := doc["$defs"].(map[string]any)
	sub := func(m map[string]any, path ...string) any {
		var v any = m
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v
	}
	tests := []struct {
		name       string
		goSide     []string
		schemaSide []string
	}{
		{"Outcome fields", jsonNames(reflect.TypeFor[Outcome]()), keys(props)},
		{"Trigger fields", jsonNames(reflect.TypeFor[Trigger]()), keys(sub(props, "trigger", "properties"))},
		{"Error fields (error)", jsonNames(reflect.TypeFor[Error]()), keys(sub(defs, "error", "properties"))},
		{"Error fields (failure)", jsonNames(reflect.TypeFor[Error]()), keys(sub(defs, "failure", "properties"))},
		{"codes", sortedStrings(Codes), enum(t, defs["code"])},
		{"statuses", sortedStrings(Statuses), enum(t, props["status"])},
		{"count keys", sortedStrings(CountKeys), enum(t, sub(props, "counts", "propertyNames"))},
		{"truncation keys", sortedStrings(TruncationKeys), enum(t, sub(props, "truncated", "propertyNames"))},
		{"actions", sortedStrings(Actions), enum(t, props["action"])},
		{"trigger types", sortedStrings(TriggerTypes), enum(t, sub(props, "trigger", "properties", "type"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.goSide, tt.schemaSide) {
				t.Errorf("Go has %v, schema has %v", tt.goSide, tt.schemaSide)
			}
		})
	}
	if v := props["schemaVersion"].(map[string]any)["const"]; v != float64(SchemaVersion) {
		t.Errorf("schema pins schemaVersion %v, Go writes %d", v, SchemaVersion)
	}
	if doc["$id"] != SchemaID {
		t.Errorf("schema $id %v, SchemaID %s", doc["$id"], SchemaID)
	}
}

const (
	acct1 = "2000000000000001"
	acct2 = "2000000000000002"
)

func sampleImageOutcome() Outcome {
	return Outcome{
		SchemaVersion: SchemaVersion,
		OutcomeID:     ID("evt-1", "m-1", 1),
		CorrelationID: "build-4711",
		Trigger:       Trigger{Type: TriggerActionTrail, EventID: "evt-1", EventName: "CreateImage"},
		RegionID:      "cn-hangzhou",
		ImageID:       "m-1",
		Action:        ActionReconcile,
		Status:        Partial,
		Added:         []string{acct1},
		Unchanged:     []string{acct2},
		Failures: []*Error{{
			Account: "2000000000000003", Code: AccountNotFound, ECSCode: "InvalidAccount.NotFound",
			Message: "no such account", RequestID: "C8B26B44-0189-443E-9816-D951F59623A9",
		}},
		Because:  map[string][]string{acct1: {"prod-images/prod"}},
		APICalls: map[string]int{"DescribeImages": 1, "DescribeImageSharePermission": 2, "ModifyImageSharePermission": 3},
		Attempt:  1,
	}
}

func TestSamplesValidate(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		edit  func(o *Outcome) // applied to sampleImageOutcome
		raw   func(m map[string]any)
		valid bool
	}{
		{name: "image outcome", valid: true},
		{name: "image-level error", valid: true, edit: func(o *Outcome) {
			o.Status, o.Added, o.Unchanged, o.Failures = Failed, nil, nil, nil
			o.Error = &Error{Code: ImageNotFound, ECSCode: "InvalidImageId.NotFound", Message: "gone"}
		}},
		{name: "dry run", valid: true, edit: func(o *Outcome) { o.DryRun, o.Status = true, Planned }},
		{name: "sweep summary", valid: true, edit: func(o *Outcome) {
			*o = Outcome{
				SchemaVersion: SchemaVersion, OutcomeID: ID("timer-1", "", 1),
				Trigger: Trigger{Type: TriggerTimer, EventID: "timer-1"}, Action: ActionSweep,
				Status: Succeeded, Attempt: 1, Counts: map[string]int{"succeeded": 3, "unchanged": 40},
			}
		}},
		{name: "unparseable request", valid: true, edit: func(o *Outcome) {
			*o = Outcome{
				SchemaVersion: SchemaVersion, OutcomeID: ID("msg-1", "", 1),
				Trigger: Trigger{Type: TriggerMNSQueue, EventID: "msg-1"}, Action: ActionUnknown,
				Status: Failed, Attempt: 1, Error: &Error{Code: InvalidRequest, Message: "not JSON"},
			}
		}},
		{name: "truncated", valid: true, edit: func(o *Outcome) { o.Truncated = map[string]int{TruncatedFailures: 200, TruncatedStrings: 3} }},
		{name: "truncated with an unknown key", edit: func(o *Outcome) { o.Truncated = map[string]int{"apiCalls": 2} }},
		{name: "truncated empty", raw: func(m map[string]any) { m["truncated"] = map[string]any{} }},
		{name: "sweep without counts", edit: func(o *Outcome) { o.Action = ActionSweep; o.ImageID = "" }},
		{name: "counts outside a sweep", edit: func(o *Outcome) { o.Counts = map[string]int{"failed": 1} }},
		{name: "unknown code", edit: func(o *Outcome) { o.Failures[0].Code = "Oops" }},
		{name: "unknown status", edit: func(o *Outcome) { o.Status = "done" }},
		{name: "failure without account", edit: func(o *Outcome) { o.Failures[0].Account = "" }},
		{name: "malformed added account", edit: func(o *Outcome) { o.Added = []string{"prod"} }},
		{name: "reconcile without image or error", edit: func(o *Outcome) { o.ImageID = "" }},
		{name: "extra property", raw: func(m map[string]any) { m["extra"] = 1 }},
		{name: "missing attempt", raw: func(m map[string]any) { delete(m, "attempt") }},
		{name: "null added", raw: func(m map[string]any) { m["added"] = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleImageOutcome()
			if tt.edit != nil {
				tt.edit(&o)
			}
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if tt.raw != nil {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				tt.raw(m)
				if b, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(inst)
			if tt.valid && err != nil {
				t.Errorf("valid outcome rejected: %v\n%s", err, b)
			}
			if !tt.valid && err == nil {
				t.Errorf("invalid outcome accepted:\n%s", b)
			}
		})
	}
}
