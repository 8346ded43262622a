package outcome

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestIDDeterministic(t *testing.T) {
	a := ID("evt-1", "m-1", 1)
	if a != ID("evt-1", "m-1", 1) {
		t.Fatal("ID is not deterministic")
	}
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("ID %q is not 32 lowercase hex digits", a)
	}
	others := []string{
		ID("evt-1", "m-1", 2),
		ID("evt-1", "m-2", 1),
		ID("evt-2", "m-1", 1),
		// NUL separation: moving a character across the boundary changes the id.
		ID("evt-1m", "-1", 1),
	}
	for _, o := range others {
		if o == a {
			t.Errorf("distinct inputs share id %s", a)
		}
	}
}

func TestDeriveStatus(t *testing.T) {
	fail := []*Error{{Account: "2000000000000001", Code: AccountNotFound}}
	imgErr := &Error{Code: ImageNotFound}
	one := []string{"2000000000000002"}
	tests := []struct {
		name           string
		added, removed []string
		failures       []*Error
		err            *Error
		want           Status
	}{
		{"nothing to do", nil, nil, nil, nil, Unchanged},
		{"added", one, nil, nil, nil, Succeeded},
		{"removed", nil, one, nil, nil, Succeeded},
		{"added and failed", one, nil, fail, nil, Partial},
		{"removed and image error", nil, one, nil, imgErr, Partial},
		{"only failures", nil, nil, fail, nil, Failed},
		{"only image error", nil, nil, nil, imgErr, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DeriveStatus(tt.added, tt.removed, tt.failures, tt.err); got != tt.want {
				t.Errorf("DeriveStatus = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMarshalNeverNull(t *testing.T) {
	b, err := json.Marshal(Outcome{SchemaVersion: 1, Action: ActionReconcile})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"added":[]`, `"removed":[]`, `"unchanged":[]`, `"failures":[]`, `"because":{}`, `"apiCalls":{}`} {
		if !strings.Contains(s, want) {
			t.Errorf("marshalled outcome lacks %s: %s", want, s)
		}
	}
	for _, absent := range []string{"null", `"error"`, `"counts"`} {
		if strings.Contains(s, absent) {
			t.Errorf("marshalled outcome contains %s: %s", absent, s)
		}
	}
	// A pointer marshals the same way.
	pb, err := json.Marshal(&Outcome{SchemaVersion: 1, Action: ActionReconcile})
	if err != nil || string(pb) != s {
		t.Errorf("pointer marshal differs: %s vs %s (%v)", pb, s, err)
	}
}

func TestErrorJSONRoundTrip(t *testing.T) {
	in := Outcome{
		SchemaVersion: 1,
		Failures:      []*Error{{Account: "2000000000000001", Code: AccountNotFound, ECSCode: "InvalidAccount.NotFound", Message: "m", RequestID: "r"}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Outcome
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if got := *out.Failures[0]; got != *in.Failures[0] {
		t.Errorf("round trip: got %+v, want %+v", got, *in.Failures[0])
	}
	if !slices.Equal(out.Added, []string{}) {
		t.Errorf("added = %#v, want empty", out.Added)
	}
}
