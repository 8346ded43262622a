package policy

import "testing"

// TestByteOrderMarkIsSkipped: a policy saved by an editor that writes a
// byte order mark loads like one without (request bodies do the same).
func TestByteOrderMarkIsSkipped(t *testing.T) {
	p, err := Parse("p.yaml", []byte("\ufeffversion: 1\ngroups: {g: [\"2000000000000001\"]}\nrules:\n  - name: r\n    match: {tags: {env: prod}}\n    shareWith: [g]\n"))
	if err != nil || len(p.rules) != 1 {
		t.Fatalf("policy %+v, err %v", p, err)
	}
}
