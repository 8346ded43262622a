package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policy.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON converts a YAML (or JSON) document to the value the schema validator
// takes. ok is false when the document has no JSON equivalent (a YAML syntax
// error, duplicate keys, keys that are not strings).
func asJSON(data []byte) (v any, ok bool) {
	var doc any
	if yaml.Unmarshal(data, &doc) != nil {
		return nil, false
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, false
	}
	v, err = jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return v, err == nil
}

// schemaShape walks the schema and returns the keys of each fixed-key object
// and the pattern at each place, by the policy path they apply to ("" for
// the top, rules[] for each rule, groups.* for each group, name{} for the
// names of a mapping's keys). It fails the test for any object that allows
// keys it does not declare.
func schemaShape(t *testing.T) (keys map[string][]string, patterns map[string]string) {
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	keys, patterns = map[string][]string{}, map[string]string{}

	var walk func(where string, node any)
	walk = func(where string, node any) {
		n, ok := node.(map[string]any)
		if !ok {
			return
		}
		if ref, ok := n["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, "#/$defs/")
			if !found || defs[name] == nil {
				t.Fatalf("%s: unresolvable $ref %q", where, ref)
			}
			walk(where, defs[name])
			return
		}
		if p, ok := n["pattern"].(string); ok {
			if old, dup := patterns[where]; dup && old != p {
				where += " (alternative)"
			}
			patterns[where] = p
		}
		if pn, ok := n["propertyNames"].(map[string]any); ok {
			if p, ok := pn["pattern"].(string); ok {
				patterns[where+"{name}"] = p
			}
		}
		props, hasProps := n["properties"].(map[string]any)
		switch ap := n["additionalProperties"]; {
		case hasProps && ap != false:
			t.Errorf("schema at %q: an object with properties must have additionalProperties: false", where)
		case !hasProps && n["type"] == "object" && ap == nil:
			t.Errorf("schema at %q: an object must declare its properties or its additionalProperties", where)
		case !hasProps && ap != nil:
			walk(join(where, "*"), ap)
		}
		if hasProps {
			keys[where] = slices.Sorted(maps.Keys(props))
			for k, v := range props {
				walk(join(where, k), v)
			}
		}
		walk(where+"[]", n["items"])
		for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
			alts, _ := n[kw].([]any)
			for _, alt := range alts {
				walk(where, alt)
			}
		}
	}
	walk("", root)
	return keys, patterns
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// TestSchemaKeysMatchLoader keeps policy.schema.json and the loader in step:
// every fixed-key object of the schema declares exactly the keys the loader
// accepts there.
func TestSchemaKeysMatchLoader(t *testing.T) {
	keys, _ := schemaShape(t)
	want := map[string][]string{
		"":                  slices.Sorted(slices.Values(policyKeys)),
		"rules[]":           slices.Sorted(slices.Values(ruleKeys)),
		"rules[].match":     slices.Sorted(slices.Values(matchKeys)),
		"groups.*":          slices.Sorted(slices.Values(directoryKeys)),
		"rules[].copyTo[]":  slices.Sorted(slices.Values(copyToKeys)),
		"rules[].reencrypt": slices.Sorted(slices.Values(reencryptKeys)),
	}
	if !maps.EqualFunc(keys, want, slices.Equal) {
		t.Errorf("schema keys differ from the loader's:\nschema: %v\nloader: %v", keys, want)
	}
}

func TestSchemaPatternsMatchLoader(t *testing.T) {
	_, patterns := schemaShape(t)
	want := map[string]string{
		"groups{name}":                      groupNamePattern,
		"groups.*[]":                        accountIDPattern,
		"allow[]":                           accountIDPattern,
		"protect[]":                         accountIDPattern,
		"rules[].protect[]":                 accountIDPattern,
		"groups.*.resourceDirectoryFolder":  folderIDPattern,
		"rules[].name":                      ruleNamePattern,
		"rules[].shareWith[]":               accountIDPattern,
		"rules[].shareWith[] (alternative)": groupNamePattern,
		"rules[].match.regions[]":           regionPattern,
		"rules[].copyTo[]":                  regionPattern,
		"rules[].copyTo[].region":           regionPattern,
		"rules[].copyTo[].kmsKeyId":         kmsKeyIDPattern,
		"rules[].reencrypt.kmsKeyId":        kmsKeyIDPattern,
	}
	if !maps.Equal(patterns, want) {
		t.Errorf("schema patterns differ from the loader's:\nschema: %v\nloader: %v", patterns, want)
	}

	// The loader checks account ids with a loop, not the pattern; check that
	// both agree.
	re := regexp.MustCompile(accountIDPattern)
	for _, s := range []string{"2000000000000001", "0000000000000000", "200000000000001", "20000000000000011",
		"", "200000000000000a", "２000000000000001", " 2000000000000001", "2000000000000001\n"} {
		if got, want := isAccountID(s), re.MatchString(s); got != want {
			t.Errorf("isAccountID(%q) = %t, pattern says %t", s, got, want)
		}
	}
}

// TestSchemaAcceptsValidPolicies validates every policy the loader accepts
// in the tests against the schema.
func TestSchemaAcceptsValidPolicies(t *testing.T) {
	s := compileSchema(t)
	srcs := map[string][]byte{
		"evalPolicy":  []byte(evalPolicy),
		"benchPolicy": []byte(benchPolicy(1000)),
	}
	for _, f := range []string{"example.yaml", "example.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "policy", f))
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = data
	}
	corpus, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseAndEvaluate", "*"))
	for _, f := range corpus {
		data, err := readCorpusFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = data
	}
	for name, data := range srcs {
		if _, err := Parse(name, data); err != nil {
			continue // invalid fuzz seeds
		}
		v, ok := asJSON(data)
		if !ok {
			t.Errorf("%s: the loader accepts it, but it has no JSON equivalent", name)
			continue
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: the loader accepts it, the schema does not: %v", name, err)
		}
	}
}

// TestSchemaAgreesOnProblems checks that the schema rejects every structural
// problem the loader rejects, and that the problems only the loader can see
// (references, uniqueness, counts) are indeed invisible to the schema.
func TestSchemaAgreesOnProblems(t *testing.T) {
	s := compileSchema(t)
	check := func(name string, data []byte, schema int) {
		v, ok := asJSON(data)
		if schema == schemaNA || !ok {
			if schema != schemaNA {
				t.Errorf("%s: no JSON equivalent; mark it schemaNA", name)
			}
			return
		}
		err := s.Validate(v)
		switch {
		case schema == schemaRejects && err == nil:
			t.Errorf("%s: the loader rejects it, the schema accepts it", name)
		case schema == schemaAccepts && err != nil:
			t.Errorf("%s: marked as beyond the schema, but the schema rejects it: %v", name, err)
		}
	}
	for _, tc := range problemCases {
		check(tc.name, []byte(tc.src), tc.schema)
	}
	for file, schema := range map[string]int{
		"typo.yaml":              schemaRejects,
		"several-errors.yaml":    schemaRejects,
		"wrong-types.json":       schemaRejects,
		"too-many-accounts.yaml": schemaAccepts,
	} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "policy", "invalid", file))
		if err != nil {
			t.Fatal(err)
		}
		check(file, data, schema)
	}
}

// readCorpusFile reads a fuzz corpus file holding one []byte value.
func readCorpusFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	header, body, _ := strings.Cut(string(data), "\n")
	body = strings.TrimSpace(body)
	lit, ok := strings.CutPrefix(body, "[]byte(")
	if header != "go test fuzz v1" || !ok || !strings.HasSuffix(lit, ")") {
		return nil, fmt.Errorf("%s: not a corpus file with one []byte", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return []byte(s), nil
}
