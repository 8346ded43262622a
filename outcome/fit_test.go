package outcome

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func manyAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2%015d", i)
	}
	return out
}

func TestFit(t *testing.T) {
	sch := compileSchema(t)
	bogus := func(i int) string { return fmt.Sprintf("bogus-account-%03d-%s", i, strings.Repeat("x", 50)) }
	tests := []struct {
		name      string
		edit      func(o *Outcome)
		truncated []string // keys Truncated must have; none: marshalled as is
	}{
		{name: "small outcome is left alone"},
		{name: "200 long bogus accounts, each failed and traced", edit: func(o *Outcome) {
			o.Status, o.Action = Failed, ActionShare
			o.Failures, o.Because = nil, map[string][]string{}
			for i := range 200 {
				o.Failures = append(o.Failures, &Error{Account: bogus(i), Code: InvalidAccountID,
					Message: "not an account id: want 16 digits, or a group name of the policy; " + strings.Repeat("m", 200)})
				o.Because[bogus(i)] = []string{"request"}
			}
		}, truncated: []string{TruncatedFailures, TruncatedBecause}},
		{name: "large group through shareWithTagValue", edit: func(o *Outcome) {
			o.Status, o.Added = Failed, nil
			o.Error = &Error{Code: ShareQuotaExceeded, Message: "the image would be shared with 5000 accounts; at most 50"}
			o.Because = map[string][]string{}
			for _, a := range manyAccounts(5000) {
				o.Because[a] = []string{"opt-in/partners (tag share-with)", "prod-images/prod"}
			}
			o.Unchanged = manyAccounts(5000)
		}, truncated: []string{TruncatedUnchanged, TruncatedBecause}},
		{name: "invalid policy with hundreds of problems", edit: func(o *Outcome) {
			var ps []string
			for i := range 900 {
				ps = append(ps, fmt.Sprintf("policy.yaml:%d:5: groups.g%d[0]: account id must be 16 digits, quoted", i+3, i))
			}
			*o = Outcome{SchemaVersion: SchemaVersion, OutcomeID: ID("m", "", 1), Trigger: Trigger{Type: TriggerMNSQueue},
				Action: ActionUnknown, Status: Failed, Attempt: 1,
				Error: &Error{Code: InvalidPolicy, Message: fmt.Sprintf("%d problem(s) in policy: %s", len(ps), strings.Join(ps, "; "))}}
		}, truncated: []string{TruncatedStrings}},
		{name: "control characters everywhere escape to six bytes each", edit: func(o *Outcome) {
			ctl := strings.Repeat("\x01", 100_000)
			o.CorrelationID, o.Trigger.EventID, o.Trigger.EventName, o.ImageID, o.RegionID = ctl, ctl, ctl, ctl, ctl
			o.Error = &Error{Code: Internal, Message: ctl, Account: ctl, ECSCode: ctl, RequestID: ctl}
			o.Failures = []*Error{{Account: ctl, Code: Internal, Message: ctl}}
			o.Added, o.Because = []string{ctl}, map[string][]string{ctl: {ctl}}
		}, truncated: []string{TruncatedStrings}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleImageOutcome()
			if tt.edit != nil {
				tt.edit(&o)
			}
			full, _ := json.Marshal(&o)
			b, err := Fit(&o, MaxMessageBytes)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxMessageBytes {
				t.Fatalf("%d bytes, above %d", len(b), MaxMessageBytes)
			}
			var got Outcome
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if len(tt.truncated) == 0 {
				if !bytes.Equal(b, full) {
					t.Errorf("an outcome that fits was changed:\n%s\n%s", full, b)
				}
				return
			}
			if len(full) <= MaxMessageBytes {
				t.Fatalf("the case fits (%d bytes) and so tests nothing", len(full))
			}
			for _, k := range tt.truncated {
				if got.Truncated[k] == 0 {
					t.Errorf("truncated %v lacks %q", got.Truncated, k)
				}
			}
			if n := got.Truncated[TruncatedFailures]; n > 0 && (n != len(o.Failures) || len(got.Failures) >= n) {
				t.Errorf("truncated.failures %d, had %d, kept %d", n, len(o.Failures), len(got.Failures))
			}
			if got.Status != o.Status || got.Action != o.Action {
				t.Errorf("status or action changed: %s %s", got.Status, got.Action)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil && !strings.Contains(tt.name, "control") {
				t.Errorf("fitted outcome breaks the schema: %v", err)
			}
		})
	}
}

// TestFitKeepsAsManyAsFit: one more entry per list would not fit.
func TestFitKeepsAsManyAsFit(t *testing.T) {
	o := sampleImageOutcome()
	o.Added = manyAccounts(20000)
	b, err := Fit(&o, MaxMessageBytes)
	if err != nil {
		t.Fatal(err)
	}
	var got Outcome
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	k := len(got.Added)
	if k == 0 || got.Truncated[TruncatedAdded] != 20000 {
		t.Fatalf("kept %d, truncated %v", k, got.Truncated)
	}
	more, _ := json.Marshal(cutLists(cutStrings(&o, capErrorMessage, capMessage, capID), k+1))
	if len(more) <= MaxMessageBytes {
		t.Errorf("kept %d entries, but %d fit (%d bytes)", k, k+1, len(more))
	}
}

func TestFitFailsOnlyBelowItsFloor(t *testing.T) {
	o := sampleImageOutcome()
	if _, err := Fit(&o, 100); err == nil {
		t.Error("a 100-byte limit was met")
	}
}

// FuzzFitAlwaysFits: whatever an outcome holds — lists of any length,
// strings of any content and size in every field — Fit gives valid JSON of
// at most MaxMessageBytes, and leaves an outcome that fits untouched.
func FuzzFitAlwaysFits(f *testing.F) {
	f.Add("2000000000000001", "no such account", uint16(200), uint16(5), uint8(1))
	f.Add("bogus-"+strings.Repeat("y", 60), strings.Repeat("z", 300), uint16(200), uint16(200), uint8(3))
	f.Add("\x00\x01\"\\", strings.Repeat("\u202e", 1000), uint16(4000), uint16(1), uint8(40))
	f.Add("", "", uint16(0), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, acct, msg string, nFail, nList uint16, grow uint8) {
		if len(msg)*int(nFail) > 4<<20 {
			return // the bound is about shape, not bulk: keep each run fast
		}
		s := strings.Repeat(msg, int(grow)%64+1)
		o := Outcome{
			SchemaVersion: SchemaVersion, OutcomeID: ID(acct, s, 1), CorrelationID: s,
			Trigger:  Trigger{Type: TriggerMNSQueue, EventID: s, EventName: acct},
			RegionID: acct, ImageID: s, Action: ActionShare, Status: Partial, Attempt: 1,
			Error:   &Error{Code: Internal, Message: s, Account: acct, ECSCode: acct, RequestID: acct},
			Because: map[string][]string{}, APICalls: map[string]int{"DescribeImages": int(nList)},
		}
		for i := range int(nFail) {
			a := fmt.Sprintf("%s-%d", acct, i)
			o.Failures = append(o.Failures, &Error{Account: a, Code: InvalidAccountID, Message: msg})
			o.Because[a] = []string{"request", acct}
		}
		for i := range int(nList) {
			a := fmt.Sprintf("%s%d", acct, i)
			o.Added, o.Removed, o.Unchanged = append(o.Added, a), append(o.Removed, a), append(o.Unchanged, a)
		}
		full, err := json.Marshal(&o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Fit(&o, MaxMessageBytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > MaxMessageBytes {
			t.Fatalf("%d bytes", len(b))
		}
		if !json.Valid(b) {
			t.Fatal("not JSON")
		}
		if len(full) <= MaxMessageBytes && !bytes.Equal(b, full) {
			t.Fatal("an outcome that fits was changed")
		}
	})
}
