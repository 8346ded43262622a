package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"name", "match", "shareWith", "shareWithTagValue"}
	tests := []struct{ word, want string }{
		{"shareWth", "shareWith"},
		{"SHAREWITH", "shareWith"},
		{"mtch", "match"},
		{"nmae", "name"},
		{"shareWithTagValu", "shareWithTagValue"},
		{"regions", ""},
		{"", ""},
		{string(make([]byte, 10000)), ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, keys); got != tt.want {
			t.Errorf("Closest(%.20q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
