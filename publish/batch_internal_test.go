package publish

import (
	"bytes"
	"slices"
	"testing"
)

// TestBatchesOf: runs of at most n bodies and limit bytes together, in order,
// as few as the greedy cut allows.
func TestBatchesOf(t *testing.T) {
	body := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	sizes := func(bs [][]byte) []int {
		var out []int
		for _, b := range bs {
			out = append(out, len(b))
		}
		return out
	}
	tests := []struct {
		name   string
		bodies []int
		want   [][]int
	}{
		{"none", nil, nil},
		{"one", []int{10}, [][]int{{10}}},
		{"count limit", []int{1, 1, 1, 1, 1}, [][]int{{1, 1}, {1, 1}, {1}}},
		{"byte limit", []int{60, 60, 60}, [][]int{{60}, {60}, {60}}},
		{"exactly the limit", []int{50, 50, 100}, [][]int{{50, 50}, {100}}},
		{"one byte over", []int{50, 51}, [][]int{{50}, {51}}},
		{"small after large", []int{90, 10, 90}, [][]int{{90, 10}, {90}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in [][]byte
			for _, n := range tt.bodies {
				in = append(in, body(n))
			}
			var got [][]int
			for _, run := range batchesOf(in, 2, 100) {
				got = append(got, sizes(run))
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("batchesOf = %v, want %v", got, tt.want)
			}
		})
	}
}
