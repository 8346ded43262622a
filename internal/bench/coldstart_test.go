package bench

import (
	"context"
	"testing"
)

func TestColdStartTimesBothBinaries(t *testing.T) {
	b := mustBinaries(t)
	res, err := ColdStart(context.Background(), ColdStartConfig{Binaries: b, Runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]StartTimes{"function": res.Function, "ignored": res.Ignored, "hello": res.Hello} {
		if st.Answered <= 0 || st.Ready <= 0 || st.Ready > st.Answered || st.Size <= 0 {
			t.Errorf("%s: %+v: want positive times, ready before answered, a size", name, st)
		}
	}
	if len(res.Rows()) != 4 {
		t.Error("want four rows")
	}
}
