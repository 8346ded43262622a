package deploy_test

// These tests validate ../s.yaml, the Serverless Devs deployment, without a
// cloud account: its shape, its props against the fc3 component's JSON Schema
// (which the component itself only logs), the keys the schema cannot check,
// and the facts the function depends on (build output, environment, triggers,
// failure destination, role, RAM policy). Every file they read is in the
// repository.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/ledger"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/trigger"
)

const (
	sYAML           = "../s.yaml"
	repoRoot        = ".."
	fc3SchemaFile   = "fc3-props.schema.json"
	ebSchemaFile    = "eventbridge-trigger.schema.json"
	ramPolicyFile   = "ram-policy.json"
	trustPolicyFile = "trust-policy.json"

	// placeholderAccount stands for ${config('AccountID')}, the deploying
	// account, which only Serverless Devs knows.
	placeholderAccount = "1000000000000001"
)

// requiredEnv are the environment variables s.yaml must set: the function's
// configuration that has no safe default in production (queues) or that a
// platform team should see and tune in one place (budgets).
var requiredEnv = []string{
	"POLICY_FILE", "OUTCOME_QUEUE", "OUTCOME_TOPIC", "WORK_QUEUE", "LOG_LEVEL",
	"WAIT_READY_SECONDS", "DEFER_ATTEMPTS", "DEFER_DELAY_SECONDS", "DEFER_MAX_DELAY_SECONDS",
	"SWEEP_CONCURRENCY", "ECS_CALLS_PER_SECOND", "FANOUT_THRESHOLD", "FANOUT_IMAGES_PER_MESSAGE",
	"DRY_RUN", "BASE64_BODY", "REQUEST_KEY",
}

// optionalEnv are read by the function but deliberately left to their
// defaults: the MNS endpoint derived from the account and region, the
// region's public ECS endpoint, TOPIC_STREAM (no MNS topic trigger is
// deployed), and the per-API rate overrides and budget scope
// (ECS_CALLS_PER_SECOND, set, already budgets each API), and the ledger's
// region (the function's), endpoint (the region's) and prefix (the one
// deploy/ram-policy.json grants).
var optionalEnv = []string{"MNS_ENDPOINT", "ECS_ENDPOINT", "RM_ENDPOINT", "TOPIC_STREAM", "ECS_API_CALLS_PER_SECOND", "ECS_RATE_SCOPE",
	"LEDGER_REGION", "LEDGER_ENDPOINT", "LEDGER_PREFIX"}

// ActionTrail event names: the five that create or re-tag an image, and the
// older tagging APIs the trigger package also handles (docs/triggers.md).
var (
	requiredEventNames = []string{"CreateImage", "CopyImage", "ImportImage", "TagResources", "UntagResources"}
	handledEventNames  = append(slices.Clone(requiredEventNames), "AddTags", "RemoveTags")
)

// ---------------------------------------------------------------------------
// Loading and resolving s.yaml

// deployment is s.yaml, parsed, with ${...} expressions resolved.
type deployment struct {
	doc      map[string]any
	vars     map[string]string
	name     string         // the fc3 resource's key
	resource map[string]any // resources.<name>
	props    map[string]any // resources.<name>.props
}

var (
	exprRE   = regexp.MustCompile(`\$\{([^{}]*)\}`)
	varRE    = regexp.MustCompile(`^vars\.([A-Za-z_][A-Za-z0-9_]*)$`)
	envRE    = regexp.MustCompile(`^env\(\s*(['"])([^'"]+)['"]\s*(?:,\s*(['"])([^'"]*)['"]\s*)?\)$`)
	configRE = regexp.MustCompile(`^config\(\s*['"]([^'"]+)['"]\s*\)$`)
)

// expand resolves the ${...} expressions of s: ${vars.x} from vars;
// ${env('X', 'default')} to its default and ${env('X')} to a placeholder;
// ${config('AccountID')} to placeholderAccount and other config keys to a
// placeholder (env and config are Serverless Devs magic variables, known only
// at deploy time). Anything else is an error.
func expand(s string, vars map[string]string) (string, error) {
	var errs []error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		expr := strings.TrimSpace(m[2 : len(m)-1])
		if sm := varRE.FindStringSubmatch(expr); sm != nil {
			v, ok := vars[sm[1]]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: no such var", m))
				return m
			}
			return v
		}
		if sm := envRE.FindStringSubmatch(expr); sm != nil {
			if sm[3] != "" {
				return sm[4]
			}
			return "placeholder-env-" + sm[2]
		}
		if sm := configRE.FindStringSubmatch(expr); sm != nil {
			if sm[1] == "AccountID" {
				return placeholderAccount
			}
			return "placeholder-config-" + sm[1]
		}
		errs = append(errs, fmt.Errorf("%s: unresolved (only vars.*, env(...) and config(...) are understood)", m))
		return m
	})
	return out, errors.Join(errs...)
}

func resolve(v any, vars map[string]string, where string) (any, error) {
	switch v := v.(type) {
	case string:
		s, err := expand(v, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return s, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		var errs []error
		for k, e := range v {
			if strings.Contains(k, "${") {
				errs = append(errs, fmt.Errorf("%s: expression in key %q", where, k))
			}
			r, err := resolve(e, vars, where+"."+k)
			errs = append(errs, err)
			out[k] = r
		}
		return out, errors.Join(errs...)
	case []any:
		out := make([]any, len(v))
		var errs []error
		for i, e := range v {
			r, err := resolve(e, vars, fmt.Sprintf("%s[%d]", where, i))
			errs = append(errs, err)
			out[i] = r
		}
		return out, errors.Join(errs...)
	default:
		return v, nil
	}
}

// parse reads an s.yaml document: the edition, one fc3 resource, vars
// resolved. It returns an error rather than failing, so that the negative
// tests can feed it broken copies.
func parse(data []byte) (*deployment, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("s.yaml: %w", err)
	}
	if doc["edition"] != "3.0.0" {
		return nil, fmt.Errorf("s.yaml: edition is %v, want 3.0.0 (Serverless Devs v3)", doc["edition"])
	}
	for _, k := range []string{"name", "access"} {
		if s, _ := doc[k].(string); s == "" {
			return nil, fmt.Errorf("s.yaml: %s must be a non-empty string", k)
		}
	}
	for k := range doc {
		// actions: Serverless Devs v3's global actions (its YAML specification,
		// docs/zh/yaml.md), run around every resource's.
		if !slices.Contains([]string{"edition", "name", "access", "vars", "resources", "template", "flow", "actions"}, k) {
			return nil, fmt.Errorf("s.yaml: unknown top-level key %q", k)
		}
	}

	// vars: strings only, resolved in passes (a var may use another).
	raw, _ := doc["vars"].(map[string]any)
	vars := map[string]string{}
	pending := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("s.yaml: vars.%s is %T; keep vars strings", k, v)
		}
		pending[k] = s
	}
	for len(pending) > 0 {
		progress := false
		for _, k := range sortedKeys(pending) {
			if v, err := expand(pending[k], vars); err == nil {
				vars[k] = v
				delete(pending, k)
				progress = true
			}
		}
		if !progress { // a reference to a missing var, a cycle, or an unknown expression
			k := sortedKeys(pending)[0]
			_, err := expand(pending[k], vars)
			return nil, fmt.Errorf("s.yaml: vars.%s: %w", k, err)
		}
	}

	resources, _ := doc["resources"].(map[string]any)
	if len(resources) != 1 {
		return nil, fmt.Errorf("s.yaml: want exactly one resource, got %d", len(resources))
	}
	r, err := resolve(doc, vars, "s.yaml")
	if err != nil {
		return nil, err
	}
	doc = r.(map[string]any)
	d := &deployment{doc: doc, vars: vars}
	for name, res := range doc["resources"].(map[string]any) {
		d.name = name
		d.resource, _ = res.(map[string]any)
	}
	if d.resource == nil {
		return nil, fmt.Errorf("s.yaml: resources.%s is not a mapping", d.name)
	}
	comp, _ := d.resource["component"].(string)
	if comp != "fc3" && !strings.HasPrefix(comp, "fc3@") {
		return nil, fmt.Errorf("s.yaml: resources.%s.component is %q, want fc3", d.name, comp)
	}
	for k := range d.resource {
		if !slices.Contains([]string{"component", "props", "actions"}, k) {
			return nil, fmt.Errorf("s.yaml: resources.%s: unknown key %q", d.name, k)
		}
	}
	d.props, _ = d.resource["props"].(map[string]any)
	if d.props == nil {
		return nil, fmt.Errorf("s.yaml: resources.%s.props is not a mapping", d.name)
	}
	return d, nil
}

func load(t *testing.T) *deployment {
	t.Helper()
	data, err := os.ReadFile(sYAML)
	if err != nil {
		t.Fatal(err)
	}
	d, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ---------------------------------------------------------------------------
// Schema validation

type schemas struct {
	root    map[string]any // fc3-props.schema.json, as parsed
	props   *jsonschema.Schema
	configs map[string]*jsonschema.Schema // trigger type → its triggerConfig definition
	eb      *jsonschema.Schema            // eventbridge-trigger.schema.json
}

// triggerConfigDefs maps a triggerType to the definition of its
// triggerConfig. The schema's ITrigger.triggerConfig is an anyOf of all of
// them, including IOtsConfig ({"type": "object"}), so it accepts any object:
// each trigger is therefore also checked against its own type's definition.
var triggerConfigDefs = map[string]string{
	"eventbridge": "IEventBridge",
	"timer":       "ITimerTriggerConfig",
	"mns_topic":   "IMnsTriggerConfig",
	"http":        "IHttpTriggerConfig",
	"oss":         "IOssTriggerConfig",
	"log":         "ILogTriggerConfig",
	"cdn_events":  "ICdnTriggerConfig",
	"tablestore":  "IOtsConfig",
}

var (
	schemaOnce sync.Once
	schemaSet  *schemas
	schemaErr  error
)

func loadSchemas(t *testing.T) *schemas {
	t.Helper()
	schemaOnce.Do(func() { schemaSet, schemaErr = compileSchemas() })
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemaSet
}

func compileSchemas() (*schemas, error) {
	c := jsonschema.NewCompiler()
	var root map[string]any
	for _, f := range []string{fc3SchemaFile, ebSchemaFile} {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if err := c.AddResource(f, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if f == fc3SchemaFile {
			if err := json.Unmarshal(data, &root); err != nil {
				return nil, err
			}
		}
	}
	s := &schemas{root: root, configs: map[string]*jsonschema.Schema{}}
	var err error
	if s.props, err = c.Compile(fc3SchemaFile); err != nil {
		return nil, err
	}
	for typ, def := range triggerConfigDefs {
		if s.configs[typ], err = c.Compile(fc3SchemaFile + "#/definitions/" + def); err != nil {
			return nil, err
		}
	}
	if s.eb, err = c.Compile(ebSchemaFile); err != nil {
		return nil, err
	}
	return s, nil
}

// jsonValue turns a YAML-decoded value into what the validator expects
// (json.Number numbers, map[string]any objects).
func jsonValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

func validateWith(sch *jsonschema.Schema, v any, where string) []string {
	jv, err := jsonValue(v)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	if err := sch.Validate(jv); err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	return nil
}

// problems is everything wrong with the deployment's props as far as the
// schemas can tell: the fc3 schema, keys it does not know, and each trigger's
// config against its own type.
func (s *schemas) problems(d *deployment) []string {
	where := "resources." + d.name + ".props"
	out := validateWith(s.props, d.props, where)
	out = append(out, s.unknownKeys(s.root, d.props, where)...)
	triggers, _ := d.props["triggers"].([]any)
	names := map[string]bool{}
	for i, tr := range triggers {
		tw := fmt.Sprintf("%s.triggers[%d]", where, i)
		tm, _ := tr.(map[string]any)
		typ, _ := tm["triggerType"].(string)
		name, _ := tm["triggerName"].(string)
		if names[name] {
			out = append(out, fmt.Sprintf("%s: duplicate triggerName %q", tw, name))
		}
		names[name] = true
		sch, ok := s.configs[typ]
		if !ok {
			continue // the fc3 schema has reported the unknown type
		}
		cw := tw + ".triggerConfig"
		out = append(out, validateWith(sch, tm["triggerConfig"], cw)...)
		def := s.root["definitions"].(map[string]any)[triggerConfigDefs[typ]].(map[string]any)
		out = append(out, s.unknownKeys(def, tm["triggerConfig"], cw)...)
		if typ == "eventbridge" {
			out = append(out, validateWith(s.eb, tm["triggerConfig"], cw+" (eventbridge-trigger.schema.json)")...)
		}
	}
	return out
}

// The fc3 schema sets no "additionalProperties": false anywhere (it is
// generated from TypeScript interfaces, which are closed by intent), so a
// misspelt optional key (memorySze, maxAsyncRetryAttempt) passes it. unknownKeys
// closes it: an object whose schema lists properties may only hold those
// keys, unless the schema says additionalProperties or lists none (IKV,
// runOptions, IOtsConfig: open on purpose).

func (s *schemas) deref(v any) map[string]any {
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		name, ok := strings.CutPrefix(ref, "#/definitions/")
		if !ok {
			return nil
		}
		m, _ = s.root["definitions"].(map[string]any)[name].(map[string]any)
	}
	return m
}

// branches is sch and every subschema that applies to the same instance
// (anyOf, oneOf, allOf, then, else), references resolved.
func (s *schemas) branches(sch map[string]any) []map[string]any {
	if sch == nil {
		return nil
	}
	out := []map[string]any{sch}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		list, _ := sch[k].([]any)
		for _, b := range list {
			out = append(out, s.branches(s.deref(b))...)
		}
	}
	for _, k := range []string{"then", "else"} {
		if b, ok := sch[k]; ok {
			out = append(out, s.branches(s.deref(b))...)
		}
	}
	return out
}

func (s *schemas) unknownKeys(sch map[string]any, v any, where string) []string {
	bs := s.branches(s.deref(sch))
	switch v := v.(type) {
	case map[string]any:
		props := map[string][]any{}
		open, objects := false, false
		for _, b := range bs {
			p, hasProps := b["properties"].(map[string]any)
			if b["type"] != "object" && !hasProps {
				continue // a combinator, a condition, or a non-object alternative
			}
			objects = true
			if _, ok := b["additionalProperties"]; ok || !hasProps || len(p) == 0 {
				open = true
			}
			for k, ps := range p {
				props[k] = append(props[k], ps)
			}
		}
		if !objects {
			return nil // not an object here: the schema validation reports it
		}
		var out []string
		keys := sortedKeys(v)
		for _, k := range keys {
			subs, ok := props[k]
			switch {
			case ok:
				out = append(out, s.unknownKeys(map[string]any{"anyOf": subs}, v[k], where+"."+k)...)
			case !open:
				out = append(out, fmt.Sprintf("%s: unknown key %q%s", where, k, suggest(k, sortedKeys(props))))
			}
		}
		return out
	case []any:
		var out []string
		for _, b := range bs {
			switch items := b["items"].(type) {
			case map[string]any:
				for i, e := range v {
					out = append(out, s.unknownKeys(items, e, fmt.Sprintf("%s[%d]", where, i))...)
				}
			case []any:
				for i, e := range v {
					if i < len(items) {
						out = append(out, s.unknownKeys(s.deref(items[i]), e, fmt.Sprintf("%s[%d]", where, i))...)
					}
				}
			}
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// suggest names the closest known key, when it is close.
func suggest(k string, known []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range known {
		if d := distance(strings.ToLower(k), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= max(2, len(k)/4) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ---------------------------------------------------------------------------
// The tests

func TestSYAMLMatchesFC3Schema(t *testing.T) {
	d := load(t)
	for _, p := range loadSchemas(t).problems(d) {
		t.Error(p)
	}
}

// TestSchemaCheckCanFail feeds broken copies of s.yaml through the same
// checks: each must be rejected, so a passing TestSYAMLMatchesFC3Schema means
// something.
func TestSchemaCheckCanFail(t *testing.T) {
	orig, err := os.ReadFile(sYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := loadSchemas(t)
	// by says which check catches it: "fc3" the component's schema by itself;
	// "type" the trigger's own definition (the schema's triggerConfig anyOf
	// accepts any object); "keys" the unknown-key check (the schema has no
	// additionalProperties: false); "eb" eventbridge-trigger.schema.json.
	// Checks beyond the schemas (deployChecks) are named by their key there:
	// the schemas must accept those copies, and that check must reject them.
	cases := []struct{ name, old, new, by string }{
		{"typo in a required key", "      functionName: ", "      functionNme: ", "fc3"},
		{"runtime of the wrong type", "      runtime: go1", "      runtime: 1", "fc3"},
		{"runtime not in the enum", "      runtime: go1", "      runtime: go1.x", "fc3"},
		{"memorySize of the wrong type", "      memorySize: 128", "      memorySize: '128'", "fc3"},
		{"environment value not a string", "        SWEEP_CONCURRENCY: '4'", "        SWEEP_CONCURRENCY: 4", "fc3"},
		{"instanceConcurrency out of range", "      instanceConcurrency: 1", "      instanceConcurrency: 0", "fc3"},
		{"unknown trigger type", "          triggerType: timer", "          triggerType: cron", "fc3"},
		{"typo in an optional key", "      memorySize: ", "      memorySze: ", "keys"},
		{"typo in asyncInvokeConfig", "        maxAsyncRetryAttempts: ", "        maxAsyncRetryAttempt: ", "keys"},
		{"typo in a timer config", "            cronExpression: ", "            cronExpresion: ", "type"},
		{"timer enable not a boolean", "            enable: true", "            enable: 'yes'", "type"},
		{"typo in eventbridge runOptions", "              batchWindow:", "              batchWindw:", "eb"},
		{"typo in sourceMNSParameters", "                  QueueName: ", "                  QueueNme: ", "eb"},
		{"batch window in event mode", "              mode: event-driven\n              retryStrategy:", "              mode: event-driven\n              batchWindow: {CountBasedWindow: 2}\n              retryStrategy:", "eb"},
		{"deliveryOption.mode (FC 2.0 only)", "                eventSchema: CloudEvents\n            runOptions:\n              mode: event-streaming", "                eventSchema: CloudEvents\n                mode: event-streaming\n            runOptions:\n              mode: event-streaming", "eb"},
		{"qualifier in the wrong case", "          triggerType: timer\n          qualifier: LATEST", "          triggerType: timer\n          qualifier: latest", "qualifier"},
		{"MNS trigger filter not JSON", "            eventRuleFilterPattern: '{}'", "            eventRuleFilterPattern: '{source: [MNS]'", "workqueue"},
		{"work-queue trigger disabled", "          description: MNS work queue, batched\n          triggerConfig:\n            triggerEnable: true", "          description: MNS work queue, batched\n          triggerConfig:\n            triggerEnable: false", "workqueue"},
		{"work-queue trigger asynchronous", "            asyncInvocationType: false", "            asyncInvocationType: true", "workqueue"},
		{"no internet access, public endpoints", "      internetAccess: true", "      internetAccess: false", "network"},
		{"role in another account", "      role: acs:ram::${vars.accountId}:role/${vars.roleName}", "      role: acs:ram::2000000000000001:role/${vars.roleName}", "function"},
		{"timer after the EventBridge triggers", "", "", "order"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var broken string
			if c.by == "order" {
				broken = timerLast(t, string(orig))
			} else {
				if n := strings.Count(string(orig), c.old); n != 1 {
					t.Fatalf("s.yaml holds %q %d times, want once: update this case", c.old, n)
				}
				broken = strings.Replace(string(orig), c.old, c.new, 1)
			}
			d, err := parse([]byte(broken))
			if err != nil {
				t.Fatal(err)
			}
			all := s.problems(d)
			if check, ok := deployChecks[c.by]; ok {
				if len(all) != 0 {
					t.Errorf("the schemas now reject %s (%v): update this case", c.name, all)
				}
				if all = check(d); len(all) == 0 {
					t.Fatalf("check %q accepted an s.yaml with %s", c.by, c.name)
				}
				t.Logf("rejected by %s: %s", c.by, strings.Join(all, "; "))
				return
			}
			if len(all) == 0 {
				t.Fatalf("accepted an s.yaml with %s", c.name)
			}
			t.Logf("rejected: %s", strings.Join(all, "; "))
			alone := validateWith(s.props, d.props, "props")
			switch {
			case c.by == "fc3" && len(alone) == 0:
				t.Errorf("the fc3 schema alone accepts %s", c.name)
			case c.by != "fc3" && len(alone) != 0:
				t.Errorf("the fc3 schema alone now rejects %s (%v): it closed a gap; update this case", c.name, alone)
			}
		})
	}
}

// timerLast moves the timer trigger after the EventBridge triggers.
func timerLast(t *testing.T, y string) string {
	t.Helper()
	start := strings.Index(y, "        # (a) Drift repair")
	end := strings.Index(y, "        # (b) An image was created")
	if start < 0 || end < start {
		t.Fatal("s.yaml's trigger comments moved: update timerLast")
	}
	timer := y[start:end]
	return strings.TrimRight(y[:start]+y[end:], "\n") + "\n" + timer
}

// TestValidCopiesAccepted: forms fc3 and Serverless Devs accept must pass
// every check, so that the checks do not push a deployment away from valid
// configuration.
func TestValidCopiesAccepted(t *testing.T) {
	orig, err := os.ReadFile(sYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := loadSchemas(t)
	// Each case makes one or two replacements (old, new; old2, new2).
	cases := []struct{ name, old, new, old2, new2 string }{
		// fc3 completes a bare name to acs:ram::<AccountID>:role/<name>.
		{"a bare role name", "      role: acs:ram::${vars.accountId}:role/${vars.roleName}", "      role: ${vars.roleName}", "", ""},
		{"a role ARN in upper case", "      role: acs:ram::${vars.accountId}:role/${vars.roleName}", "      role: acs:ram::${vars.accountId}:role/ECS-Image-Share-Fn", "", ""},
		// Serverless Devs v3 global actions.
		{"a top-level actions block", "\nresources:\n", "\nactions:\n  pre-deploy:\n    - run: go version\n      path: ./\nresources:\n", "", ""},
		{"no internet access, VPC endpoints",
			"      internetAccess: true", "      internetAccess: false\n      vpcConfig: {vpcId: vpc-1, vSwitchIds: [vsw-1], securityGroupId: sg-1}",
			"      environmentVariables:\n", "      environmentVariables:\n        ECS_ENDPOINT: https://ecs-vpc.cn-hangzhou.aliyuncs.com\n        MNS_ENDPOINT: https://1000000000000001.mns.cn-hangzhou-internal.aliyuncs.com\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if n := strings.Count(string(orig), c.old); n != 1 {
				t.Fatalf("s.yaml holds %q %d times, want once: update this case", c.old, n)
			}
			text := strings.Replace(string(orig), c.old, c.new, 1)
			if c.old2 != "" {
				if n := strings.Count(text, c.old2); n != 1 {
					t.Fatalf("s.yaml holds %q %d times, want once: update this case", c.old2, n)
				}
				text = strings.Replace(text, c.old2, c.new2, 1)
			}
			d, err := parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			all := s.problems(d)
			for _, name := range sortedKeys(deployChecks) {
				all = append(all, deployChecks[name](d)...)
			}
			if len(all) > 0 {
				t.Errorf("rejected a valid s.yaml: %s", strings.Join(all, "; "))
			}
		})
	}
}

func TestSchemaCopyIsDraft07WithProvenance(t *testing.T) {
	data, err := os.ReadFile(fc3SchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var sch map[string]any
	if err := json.Unmarshal(data, &sch); err != nil {
		t.Fatal(err)
	}
	if sch["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v, want draft-07", sch["$schema"])
	}
	if c, _ := sch["$comment"].(string); !strings.Contains(c, "devsapp/fc3") {
		t.Errorf("$comment should say where the schema comes from, got %q", c)
	}
	req, _ := sch["required"].([]any)
	for _, k := range []string{"functionName", "region", "runtime"} {
		if !slices.Contains(req, any(k)) {
			t.Errorf("required lacks %s", k)
		}
	}
}

func TestFunction(t *testing.T) {
	for _, p := range checkFunction(load(t)) {
		t.Error(p)
	}
}

// roleRE is a role as fc3 accepts it: an ARN, or a bare name that fc3
// completes to acs:ram::<deploying account>:role/<name> (devsapp/fc3
// src/resources/ram/index.ts completionArn); fc3 lower-cases either.
var (
	roleARN  = regexp.MustCompile(`^acs:ram::(\d{16}):role/(.+)$`)
	roleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)
)

// checkFunction: the function's runtime, handler, concurrency, logs and role.
func checkFunction(d *deployment) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	p := d.props
	if p["runtime"] != "go1" {
		bad("runtime = %v, want go1 (fc-runtime-go-sdk works only there)", p["runtime"])
	}
	if p["handler"] != "main" {
		bad("handler = %v, want main (the binary's name)", p["handler"])
	}
	if ic, ok := p["instanceConcurrency"]; ok && ic != 1 {
		bad("instanceConcurrency = %v: FC 3.0 standard runtimes (go1) support only 1", ic)
	}
	if s, _ := p["functionName"].(string); s == "" {
		bad("functionName is empty")
	}
	if _, ok := p["logConfig"]; !ok {
		bad("no logConfig: `s logs` and the function's JSON logs need one")
	}

	// The role: an ARN in the deploying account, or a name fc3 completes to one.
	role, _ := p["role"].(string)
	account, name := d.vars["accountId"], role
	if m := roleARN.FindStringSubmatch(role); m != nil {
		account, name = m[1], m[2]
	}
	switch {
	case !roleName.MatchString(name):
		bad("role = %q, want acs:ram::<account>:role/<name> or the bare role name", role)
	case account != d.vars["accountId"]:
		bad("role is in account %s, the function in %s", account, d.vars["accountId"])
	case !strings.EqualFold(name, d.vars["roleName"]):
		// fc3 lower-cases the ARN; RAM role names are case-insensitive.
		bad("role name %s is not vars.roleName %s (docs/deployment.md creates vars.roleName)", name, d.vars["roleName"])
	}
	return out
}

// step is one pre-deploy action.
type step struct {
	dir  string     // relative to the repository root
	cmds [][]string // the commands of its run line, split on &&
}

func preDeploy(t *testing.T, d *deployment) []step {
	t.Helper()
	// Global actions (top level) run before the resource's own.
	var list []any
	for _, owner := range []map[string]any{d.doc, d.resource} {
		actions, _ := owner["actions"].(map[string]any)
		steps, _ := actions["pre-deploy"].([]any)
		list = append(list, steps...)
	}
	if len(list) == 0 {
		t.Fatal("no actions.pre-deploy: nothing builds the binary")
	}
	var out []step
	for i, a := range list {
		am, _ := a.(map[string]any)
		run, _ := am["run"].(string)
		if run == "" {
			t.Fatalf("pre-deploy[%d] has no run", i)
		}
		dir, _ := am["path"].(string)
		st := step{dir: path.Clean("./" + dir)}
		for _, c := range strings.Split(run, "&&") {
			st.cmds = append(st.cmds, strings.Fields(c))
		}
		out = append(out, st)
	}
	return out
}

// TestBuildMatchesCode checks that the pre-deploy actions validate the
// policy, build a linux/amd64 static binary named after the handler into the
// code directory, and put the policy beside it under POLICY_FILE.
func TestBuildMatchesCode(t *testing.T) {
	d := load(t)
	code, ok := d.props["code"].(string)
	if !ok {
		t.Fatalf("code = %v, want a local directory", d.props["code"])
	}
	codeDir := path.Clean(code)
	handlerName, _ := d.props["handler"].(string)
	env := environment(t, d)
	policyFile := env["POLICY_FILE"]
	if filepath.IsAbs(policyFile) || strings.Contains(policyFile, "..") {
		t.Errorf("POLICY_FILE = %q: ship the policy inside the code directory, relative to the binary", policyFile)
	}

	var built, validated, copied string
	var validateAt, buildAt, copyAt int
	for i, st := range preDeploy(t, d) {
		for _, c := range st.cmds {
			switch {
			case isGoBuild(c):
				vars := map[string]string{}
				for _, tok := range c[:slices.Index(c, "go")] {
					if k, v, ok := strings.Cut(tok, "="); ok {
						vars[k] = v
					}
				}
				for k, want := range map[string]string{"GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "0"} {
					if vars[k] != want {
						t.Errorf("go build runs with %s=%q, want %q (FC go1 is linux/x86_64; static binary)", k, vars[k], want)
					}
				}
				o := slices.Index(c, "-o")
				if o < 0 || o+1 >= len(c) {
					t.Fatal("go build has no -o: the output name must be the handler")
				}
				built, buildAt = path.Join(st.dir, c[o+1]), i
				// The function alone: the workstation commands and the
				// emulator they link would only slow its cold start.
				if pkg := c[len(c)-1]; path.Join(st.dir, pkg) != "cmd/function" {
					t.Errorf("go build builds %s, want ./cmd/function (the function without the workstation commands)", path.Join(st.dir, pkg))
				}
			case len(c) >= 3 && c[0] == "go" && c[1] == "run" && slices.Contains(c, "validate"):
				if f := slices.Index(c, "--policy"); f >= 0 && f+1 < len(c) {
					validated, validateAt = path.Join(st.dir, c[f+1]), i
				}
			case len(c) == 3 && c[0] == "cp":
				copied, copyAt = path.Join(st.dir, c[1]), i
				if dst := path.Join(st.dir, c[2]); dst != path.Join(codeDir, policyFile) {
					t.Errorf("the policy is copied to %s; the function reads %s (code %s + POLICY_FILE %s)", dst, path.Join(codeDir, policyFile), codeDir, policyFile)
				}
			}
		}
	}
	if want := path.Join(codeDir, handlerName); built != want {
		t.Errorf("go build writes %q, want %q (code + handler)", built, want)
	}
	if copied == "" {
		t.Fatal("no pre-deploy step copies the policy into the code directory")
	}
	if validated != copied {
		t.Errorf("the policy validated (%q) is not the one shipped (%q)", validated, copied)
	}
	if !(validateAt <= buildAt && validateAt <= copyAt) {
		t.Error("validate the policy before building: an invalid policy must stop the deploy")
	}
	// The default policy (on a fresh clone) exists and is valid.
	if _, err := policy.Load(filepath.Join(repoRoot, filepath.FromSlash(copied))); err != nil {
		t.Errorf("the default policy does not load: %v", err)
	}
}

// isGoBuild: [VAR=value...] go build ...
func isGoBuild(c []string) bool {
	i := slices.Index(c, "go")
	return i >= 0 && i+1 < len(c) && c[i+1] == "build"
}

func environment(t *testing.T, d *deployment) map[string]string {
	t.Helper()
	env, err := envOf(d)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func envOf(d *deployment) (map[string]string, error) {
	raw, _ := d.props["environmentVariables"].(map[string]any)
	env := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("environmentVariables.%s is %T, must be a string (quote it)", k, v)
		}
		env[k] = s
	}
	return env, nil
}

// TestEnvironment runs the function's own configuration parser on s.yaml's
// environment: it must accept it, every variable set must be one the function
// reads, and every one it reads must be set (or be a documented default).
func TestEnvironment(t *testing.T) {
	d := load(t)
	env := environment(t, d)
	read := map[string]bool{}
	cfg, err := handler.ConfigFromEnv(func(k string) string { read[k] = true; return env[k] })
	if err != nil {
		t.Fatalf("the function rejects s.yaml's environment: %v", err)
	}
	for _, k := range sortedKeys(env) {
		if !read[k] {
			t.Errorf("environmentVariables.%s is not read by the function (a typo?)%s", k, suggest(k, sortedKeys(read)))
		}
	}
	for _, k := range sortedKeys(read) {
		if _, ok := env[k]; !ok && !slices.Contains(optionalEnv, k) {
			t.Errorf("the function reads %s, which s.yaml does not set (set it, or list it in optionalEnv with why)", k)
		}
	}
	for _, k := range requiredEnv {
		if _, ok := env[k]; !ok {
			t.Errorf("environmentVariables.%s is not set", k)
		}
	}
	if cfg.DryRun {
		t.Error("DRY_RUN is true: the deployment would change nothing")
	}
	if cfg.OutcomeQueue == "" && cfg.OutcomeTopic == "" {
		t.Error("no outcome queue or topic")
	}
	if cfg.WorkQueue == "" {
		t.Error("WORK_QUEUE is empty: nothing could be deferred or fanned out")
	}
	if got := cfg.TotalDeferral(); got < 2*time.Hour {
		t.Errorf("deferral covers %v; large images take tens of minutes to create: at least 2h", got)
	}
	timeout, _ := d.props["timeout"].(int)
	if need := int(cfg.WaitReady/time.Second) + 60; timeout < need {
		t.Errorf("timeout %ds leaves no room after WAIT_READY_SECONDS (%v): want at least %ds", timeout, cfg.WaitReady, need)
	}
}

type trig struct {
	name, typ string
	config    map[string]any
}

func triggers(d *deployment) []trig {
	list, _ := d.props["triggers"].([]any)
	var out []trig
	for _, tr := range list {
		m, _ := tr.(map[string]any)
		c, _ := m["triggerConfig"].(map[string]any)
		n, _ := m["triggerName"].(string)
		ty, _ := m["triggerType"].(string)
		out = append(out, trig{name: n, typ: ty, config: c})
	}
	return out
}

// eventbridge returns the eventbridge triggers whose source type is typ.
func eventbridge(d *deployment, sourceType string) []trig {
	var out []trig
	for _, tr := range triggers(d) {
		if tr.typ != "eventbridge" {
			continue
		}
		src, _ := tr.config["eventSourceConfig"].(map[string]any)
		if src["eventSourceType"] == sourceType {
			out = append(out, tr)
		}
	}
	return out
}

func TestActionTrailTrigger(t *testing.T) {
	for _, p := range checkActionTrail(load(t)) {
		t.Error(p)
	}
}

func checkActionTrail(d *deployment) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	trs := eventbridge(d, "Default")
	if len(trs) != 1 {
		return []string{fmt.Sprintf("want one eventbridge trigger with eventSourceType Default (ActionTrail events), got %d", len(trs))}
	}
	tr := trs[0]
	pattern, _ := tr.config["eventRuleFilterPattern"].(string)
	var p struct {
		Source []string `json:"source"`
		Type   []string `json:"type"`
		Data   struct {
			EventName []string `json:"eventName"`
		} `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(pattern))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return []string{fmt.Sprintf("eventRuleFilterPattern is not the expected JSON: %v\n%s", err, pattern)}
	}
	if !slices.Equal(p.Source, []string{"acs.ecs"}) {
		bad("source = %v, want [acs.ecs]", p.Source)
	}
	if !slices.Contains(p.Type, "ecs:ActionTrail:ApiCall") {
		bad("type = %v, want ecs:ActionTrail:ApiCall among them", p.Type)
	}
	for _, ty := range p.Type {
		if !slices.Contains([]string{"ecs:ActionTrail:ApiCall", "ecs:ActionTrail:ConsoleOperation"}, ty) {
			bad("type %q is not an ActionTrail record of ECS", ty)
		}
	}
	for _, n := range requiredEventNames {
		if !slices.Contains(p.Data.EventName, n) {
			bad("data.eventName lacks %s", n)
		}
	}
	for _, n := range p.Data.EventName {
		if !slices.Contains(handledEventNames, n) {
			bad("data.eventName %s is not an API the trigger package handles (ModifyImageSharePermission would loop)", n)
		}
	}
	if tr.config["triggerEnable"] != true {
		bad("the ActionTrail trigger is not enabled")
	}
	return out
}

func TestWorkQueueTrigger(t *testing.T) {
	for _, p := range checkWorkQueue(load(t)) {
		t.Error(p)
	}
}

// checkWorkQueue: the MNS trigger reads WORK_QUEUE as the function writes
// it, is on, synchronous, batched within the timeout, and dead-letters.
func checkWorkQueue(d *deployment) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	trs := eventbridge(d, "MNS")
	if len(trs) != 1 {
		return []string{fmt.Sprintf("want one eventbridge trigger with eventSourceType MNS (the work queue), got %d", len(trs))}
	}
	c := trs[0].config
	env, err := envOf(d)
	if err != nil {
		return []string{err.Error()}
	}
	if c["triggerEnable"] != true {
		bad("the work-queue trigger is not enabled: deferrals and fan-out would pile up unread")
	}
	// Synchronous, so that EventBridge deletes a batch only once the function
	// succeeded and retries (then dead-letters) it when it failed. An
	// asynchronous trigger acknowledges the batch as soon as FC queued it:
	// a failed invocation would lose the messages to FC's asynchronous retry.
	if c["asyncInvocationType"] != false {
		bad("asyncInvocationType = %v, want false: the batch must be acknowledged only after the function succeeded", c["asyncInvocationType"])
	}
	// The rule's filter must be a JSON object ('{}' passes every message).
	var filter map[string]any
	if pattern, _ := c["eventRuleFilterPattern"].(string); json.Unmarshal([]byte(pattern), &filter) != nil || filter == nil {
		bad("eventRuleFilterPattern %q is not a JSON object ('{}' delivers every message)", c["eventRuleFilterPattern"])
	}
	src, _ := c["eventSourceConfig"].(map[string]any)
	params, _ := src["eventSourceParameters"].(map[string]any)
	mns, _ := params["sourceMNSParameters"].(map[string]any)
	if q := mns["QueueName"]; q != env["WORK_QUEUE"] {
		bad("the trigger reads queue %v, the function writes WORK_QUEUE %q", q, env["WORK_QUEUE"])
	}
	// The function's own work-queue messages are plain JSON (the MNS Go SDK
	// never base64-encodes), so EventBridge must not decode them, and the
	// function must not expect encoded bodies. IsBase64Decode defaults to true:
	// it has to be written out.
	if b, ok := mns["IsBase64Decode"]; !ok || b != false {
		bad("IsBase64Decode = %v, want false written out (the default, true, would decode plain JSON bodies)", b)
	}
	if env["BASE64_BODY"] != "false" {
		bad("BASE64_BODY = %q, want false: the function's own messages are not encoded", env["BASE64_BODY"])
	}
	run, _ := c["runOptions"].(map[string]any)
	if run["mode"] != "event-streaming" {
		bad("runOptions.mode %v: want event-streaming (batches)", run["mode"])
	}
	bw, _ := run["batchWindow"].(map[string]any)
	count, _ := bw["CountBasedWindow"].(int)
	if count < 1 {
		return append(out, fmt.Sprintf("batchWindow.CountBasedWindow = %v, want a batch size", bw["CountBasedWindow"]))
	}
	// A batch must fit in one invocation: messages run SWEEP_CONCURRENCY at a
	// time, each may wait WAIT_READY_SECONDS (plus a minute for ECS and MNS).
	conc, _ := strconv.Atoi(env["SWEEP_CONCURRENCY"])
	wait, _ := strconv.Atoi(env["WAIT_READY_SECONDS"])
	timeout, _ := d.props["timeout"].(int)
	if need := (count + conc - 1) / max(conc, 1) * (wait + 60); need > timeout {
		bad("a batch of %d messages may need %ds, above the %ds timeout", count, need, timeout)
	}
	if dlq, _ := run["deadLetterQueue"].(map[string]any); dlq != nil {
		arn, _ := dlq["Arn"].(string)
		want := regexp.MustCompile(`^acs:mns:` + regexp.QuoteMeta(d.vars["region"]) + `:` + regexp.QuoteMeta(d.vars["accountId"]) + `:/queues/[A-Za-z0-9][A-Za-z0-9-]*$`)
		if !want.MatchString(arn) {
			bad("runOptions.deadLetterQueue.Arn = %q, want acs:mns:<region>:<account>:/queues/<name>", arn)
		}
	}
	return out
}

func TestQualifiers(t *testing.T) {
	for _, p := range checkQualifiers(load(t)) {
		t.Error(p)
	}
}

// checkQualifiers: a trigger's qualifier names a version or alias of the
// function, case-sensitively. This deployment publishes neither, so only
// LATEST (fc3's default) exists; "latest" would name a missing alias.
func checkQualifiers(d *deployment) []string {
	var out []string
	list, _ := d.props["triggers"].([]any)
	for _, tr := range list {
		m, _ := tr.(map[string]any)
		if q, ok := m["qualifier"]; ok && q != "LATEST" {
			out = append(out, fmt.Sprintf("trigger %v: qualifier %q, want LATEST (case-sensitive; no version or alias is published)", m["triggerName"], q))
		}
	}
	return out
}

func TestNetwork(t *testing.T) {
	for _, p := range checkNetwork(load(t)) {
		t.Error(p)
	}
}

// checkNetwork: the function reaches ECS and MNS. With internetAccess false
// it has no public network, so it needs a VPC and both endpoints set to
// their VPC forms (ECS_ENDPOINT ecs-vpc.<region>..., MNS_ENDPOINT the
// -internal host); the defaults are the public endpoints.
func checkNetwork(d *deployment) []string {
	if ia, ok := d.props["internetAccess"]; !ok || ia != false {
		return nil
	}
	env, err := envOf(d)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	if _, ok := d.props["vpcConfig"]; !ok {
		out = append(out, "internetAccess is false and there is no vpcConfig: the function could reach neither ECS nor MNS")
	}
	for _, k := range []string{"ECS_ENDPOINT", "MNS_ENDPOINT"} {
		if v := env[k]; !strings.Contains(v, "-vpc.") && !strings.Contains(v, "-internal.") && !strings.Contains(v, "-internal-vpc.") {
			out = append(out, fmt.Sprintf("internetAccess is false but %s is %q: the default is the public endpoint; set the VPC endpoint", k, v))
		}
	}
	return out
}

func TestTriggerOrder(t *testing.T) {
	for _, p := range checkTriggerOrder(load(t)) {
		t.Error(p)
	}
}

// checkTriggerOrder: fc3 (devsapp/fc3 src/subCommands/deploy/impl/trigger.ts,
// run) returns from its loop at the first EventBridge trigger whose
// configuration has not changed, so on a redeploy no trigger after it is
// created or updated. Every other trigger therefore comes before the
// EventBridge ones.
func checkTriggerOrder(d *deployment) []string {
	seenEB := ""
	for _, tr := range triggers(d) {
		switch {
		case tr.typ == "eventbridge":
			if seenEB == "" {
				seenEB = tr.name
			}
		case seenEB != "":
			return []string{fmt.Sprintf("trigger %s (%s) comes after the EventBridge trigger %s: fc3 skips it on a redeploy when %s is unchanged; put it first", tr.name, tr.typ, seenEB, seenEB)}
		}
	}
	return nil
}

// deployChecks are the checks beyond the schemas, by name, for the broken
// copies of TestSchemaCheckCanFail.
var deployChecks = map[string]func(*deployment) []string{
	"function":    checkFunction,
	"actiontrail": checkActionTrail,
	"workqueue":   checkWorkQueue,
	"qualifier":   checkQualifiers,
	"network":     checkNetwork,
	"order":       checkTriggerOrder,
}

func TestTimerTrigger(t *testing.T) {
	d := load(t)
	var timers []trig
	for _, tr := range triggers(d) {
		if tr.typ == "timer" {
			timers = append(timers, tr)
		}
	}
	if len(timers) != 1 {
		t.Fatalf("want one timer trigger (the sweep), got %d", len(timers))
	}
	tr := timers[0]
	cron, _ := tr.config["cronExpression"].(string)
	expr := regexp.MustCompile(`^CRON_TZ=\S+\s+`).ReplaceAllString(strings.TrimSpace(cron), "")
	if every, ok := strings.CutPrefix(expr, "@every "); ok {
		if dur, err := time.ParseDuration(every); err != nil || dur < time.Minute {
			t.Errorf("cronExpression %q: @every takes a duration of at least 1m", cron)
		}
	} else {
		f := strings.Fields(expr)
		if len(f) != 6 {
			t.Errorf("cronExpression %q has %d fields; Function Compute wants six (seconds first)", cron, len(f))
		} else if n, err := strconv.Atoi(f[0]); err != nil || n < 0 || n > 59 {
			t.Errorf("cronExpression %q: the first field is seconds, want a fixed second 0-59 (not every second)", cron)
		}
	}
	if tr.config["enable"] != true {
		t.Error("the timer is not enabled")
	}
	// The function must accept the tick the timer will send.
	payload, _ := tr.config["payload"].(string)
	tick, _ := json.Marshal(map[string]string{"triggerTime": "2024-01-01T00:07:00Z", "triggerName": tr.name, "payload": payload})
	items := trigger.Decode(tick, trigger.Options{})
	if len(items) != 1 || items[0].Sweep == nil {
		var why string
		if len(items) == 1 && items[0].Err != nil {
			why = items[0].Err.Error()
		}
		t.Errorf("the function does not read the timer's tick as a sweep: %d items %s", len(items), why)
	}
}

func TestFailureDestination(t *testing.T) {
	d := load(t)
	aic, _ := d.props["asyncInvokeConfig"].(map[string]any)
	if aic == nil {
		t.Fatal("no asyncInvokeConfig: failed asynchronous invocations (ActionTrail, timer) would be dropped")
	}
	dc, _ := aic["destinationConfig"].(map[string]any)
	of, _ := dc["onFailure"].(map[string]any)
	dest, _ := of["destination"].(string)
	if queueFromDestination(d, dest) == "" {
		t.Errorf("onFailure.destination = %q, want an MNS queue ARN acs:mns:%s:%s:/queues/<name>/messages", dest, d.vars["region"], d.vars["accountId"])
	}
	if _, ok := aic["maxAsyncRetryAttempts"]; !ok {
		t.Error("maxAsyncRetryAttempts not set")
	}
	for _, tr := range triggers(d) {
		if tr.typ == "eventbridge" && tr.config["asyncInvocationType"] == true && dest == "" {
			t.Errorf("trigger %s invokes asynchronously but there is no failure destination", tr.name)
		}
	}
}

// queueFromDestination is the queue name of an FC destination ARN for an MNS
// queue in the function's region and account, or "".
func queueFromDestination(d *deployment, arn string) string {
	re := regexp.MustCompile(`^acs:mns:` + regexp.QuoteMeta(d.vars["region"]) + `:` + regexp.QuoteMeta(d.vars["accountId"]) + `:/queues/([A-Za-z0-9][A-Za-z0-9-]{0,255})/messages$`)
	if m := re.FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

// ramPolicy is the policy document shape RAM reads.
type ramPolicy struct {
	Version   string
	Statement []map[string]any
}

func readPolicy(t *testing.T, file string, vars map[string]string) ramPolicy {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The RAM policy is a template over s.yaml's vars (docs/deployment.md renders it).
	var unknown []string
	text := regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`).ReplaceAllStringFunc(string(data), func(m string) string {
		if v, ok := vars[m[2:len(m)-1]]; ok {
			return v
		}
		unknown = append(unknown, m)
		return m
	})
	if len(unknown) > 0 {
		t.Fatalf("%s uses %v, which are not vars of s.yaml", file, unknown)
	}
	if strings.Contains(text, "${") {
		t.Fatalf("%s holds an unresolvable ${...}", file)
	}
	var p ramPolicy
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if p.Version != "1" {
		t.Errorf("%s: Version = %q, want \"1\"", file, p.Version)
	}
	return p
}

func strings1(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// TestRAMPolicy checks deploy/ram-policy.json grants exactly what the
// function calls, on exactly the resources s.yaml names: the four ECS image
// APIs on the account's images, SendMessage on the outcome queue, the work
// queue and the failure destination queue (Function Compute delivers
// asynchronous failure records with the function's role), BatchSendMessage
// and GetQueueAttributes on the work queue, PublishMessage on the outcome
// topic, PostLogStoreLogs on the function's logstore. Nothing else, no wildcard actions, no Deny tricks.
func TestRAMPolicy(t *testing.T) {
	d := load(t)
	env := environment(t, d)
	p := readPolicy(t, ramPolicyFile, d.vars)

	type grant struct{ action, resource string }
	got := map[grant]bool{}
	for i, st := range p.Statement {
		for k := range st {
			if !slices.Contains([]string{"Effect", "Action", "Resource"}, k) {
				t.Errorf("statement %d: %s: keep the policy to Effect, Action, Resource", i, k)
			}
		}
		if st["Effect"] != "Allow" {
			t.Errorf("statement %d: Effect %v", i, st["Effect"])
		}
		for _, a := range strings1(st["Action"]) {
			if strings.Contains(a, "*") {
				t.Errorf("statement %d: wildcard action %q", i, a)
			}
			for _, r := range strings1(st["Resource"]) {
				got[grant{a, r}] = true
			}
		}
	}

	region, account := d.vars["region"], d.vars["accountId"]
	images := fmt.Sprintf("acs:ecs:*:%s:image/*", account)
	queue := func(name string) string {
		return fmt.Sprintf("acs:mns:%s:%s:/queues/%s/messages", region, account, name)
	}
	want := map[grant]bool{
		{"ecs:DescribeImages", images}:               true,
		{"ecs:DescribeImageSharePermission", images}: true,
		{"ecs:ModifyImageSharePermission", images}:   true,
		// copyTo and reencrypt. CopyImage's authorization table lists no
		// associated action, so its Tag.N needs no ecs:TagResources (see
		// docs/deployment.md).
		{"ecs:CopyImage", images}:                     true,
		{"mns:SendMessage", queue(env["WORK_QUEUE"])}: true,
		// The work queue's visibility timeout, read once per instance to
		// bound how long a message is held (RAM resource of the queue
		// itself: acs:mns:{region}:{account}:/queues/{name}).
		{"mns:GetQueueAttributes", fmt.Sprintf("acs:mns:%s:%s:/queues/%s", region, account, env["WORK_QUEUE"])}: true,
	}
	// Resource Directory groups: the two reads, on the narrowest resource
	// the ResourceManager reference allows. ListAccountsForParent is
	// authorized on the folder (acs:resourcemanager:*:<management
	// account>:folder/<path>): the management account is not the function's
	// when it runs as a delegated administrator, so the account is left
	// open. ListFoldersForParent documents no resource type: "*".
	want[grant{"resourcemanager:ListAccountsForParent", "acs:resourcemanager:*:*:folder/*"}] = true
	want[grant{"resourcemanager:ListFoldersForParent", "*"}] = true
	// The sweep's fan-out uses BatchSendMessage: the current MNS API
	// reference authorizes it as mns:BatchSendMessage, an older mapping table
	// as mns:SendMessage. Both are granted, on the work queue only.
	want[grant{"mns:BatchSendMessage", queue(env["WORK_QUEUE"])}] = true
	// With a role set, FC 3.0 writes the function's logs with it: the
	// logstore logConfig names, or, for logConfig: auto, the one fc3 creates
	// (project serverless-<region>-<uuid of the account id>, logstore
	// default-logs: devsapp/fc3 src/resources/sls/index.ts and
	// src/default/resources.ts).
	switch lc := d.props["logConfig"].(type) {
	case string:
		if lc == "auto" {
			want[grant{"log:PostLogStoreLogs", fmt.Sprintf("acs:log:%s:%s:project/serverless-%s-*/logstore/default-logs", region, account, region)}] = true
		}
	case map[string]any:
		want[grant{"log:PostLogStoreLogs", fmt.Sprintf("acs:log:%s:%s:project/%v/logstore/%v", region, account, lc["project"], lc["logstore"])}] = true
	}
	if q := env["OUTCOME_QUEUE"]; q != "" {
		want[grant{"mns:SendMessage", queue(q)}] = true
	}
	if topic := env["OUTCOME_TOPIC"]; topic != "" {
		want[grant{"mns:PublishMessage", fmt.Sprintf("acs:mns:%s:%s:/topics/%s/messages", region, account, topic)}] = true
	}
	// The ledger of deferral steps: a write that must not overwrite
	// (PutObject), a read (HeadObject is authorized as oss:GetObject) and a
	// delete, on the records only (acs:oss:*:{account}:{bucket}/{object}:
	// https://www.alibabacloud.com/help/en/oss/user-guide/how-oss-works-with-ram).
	records := fmt.Sprintf("acs:oss:*:%s:%s/%s*", account, env["LEDGER_BUCKET"], cmp.Or(env["LEDGER_PREFIX"], ledger.DefaultPrefix))
	for _, a := range []string{"oss:PutObject", "oss:GetObject", "oss:DeleteObject"} {
		want[grant{a, records}] = true
	}
	aic, _ := d.props["asyncInvokeConfig"].(map[string]any)
	dc, _ := aic["destinationConfig"].(map[string]any)
	of, _ := dc["onFailure"].(map[string]any)
	if dest, _ := of["destination"].(string); dest != "" {
		want[grant{"mns:SendMessage", dest}] = true
	}

	for _, g := range sortedGrants(want) {
		if !got[g] {
			t.Errorf("missing: %s on %s", g.action, g.resource)
		}
	}
	for _, g := range sortedGrants(got) {
		if !want[g] {
			t.Errorf("not needed (least privilege): %s on %s", g.action, g.resource)
		}
	}
}

func sortedGrants[G comparable](m map[G]bool) []G {
	out := make([]G, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func TestTrustPolicy(t *testing.T) {
	d := load(t)
	p := readPolicy(t, trustPolicyFile, d.vars)
	if len(p.Statement) != 1 {
		t.Fatalf("want one statement, got %d", len(p.Statement))
	}
	st := p.Statement[0]
	if st["Effect"] != "Allow" || !slices.Equal(strings1(st["Action"]), []string{"sts:AssumeRole"}) {
		t.Errorf("statement = %v, want Allow sts:AssumeRole", st)
	}
	principal, _ := st["Principal"].(map[string]any)
	if len(principal) != 1 || !slices.Equal(strings1(principal["Service"]), []string{"fc.aliyuncs.com"}) {
		t.Errorf("Principal = %v, want only the service fc.aliyuncs.com", st["Principal"])
	}
}

// TestExpand pins the variable resolution the other tests rely on.
func TestExpand(t *testing.T) {
	vars := map[string]string{"region": "cn-hangzhou"}
	for in, want := range map[string]string{
		"acs:mns:${vars.region}:x":                  "acs:mns:cn-hangzhou:x",
		"${env('P', 'a/b.yaml')}":                   "a/b.yaml",
		`${env("P")}`:                               "placeholder-env-P",
		"${config('AccountID')}":                    placeholderAccount,
		"${ config(\"AccountID\") }/${vars.region}": placeholderAccount + "/cn-hangzhou",
	} {
		if got, err := expand(in, vars); err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${vars.nope}", "${this.props.region}", "${path('.')}"} {
		if _, err := expand(in, vars); err == nil {
			t.Errorf("expand(%q) succeeded; want an unresolved-variable error", in)
		}
	}
}
