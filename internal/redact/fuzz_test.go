package redact

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzScrubberRemovesSecret: whatever text surrounds a secret, raw or
// percent-encoded, the scrubbed text no longer holds it.
func FuzzScrubberRemovesSecret(f *testing.F) {
	f.Add("Post \"http://h/?SecurityToken=", "CAIS+tok/en=1", "&Signature=x\": EOF", uint8(1))
	f.Add("server string to sign is:", "secret-value", "", uint8(2))
	f.Add("aaaa", "aaaaaa", "aaaa", uint8(0))
	f.Fuzz(func(t *testing.T, prefix, secret, suffix string, enc uint8) {
		if len(secret) < minSecret || strings.Contains(Mask, secret) {
			return
		}
		form := secret
		switch enc % 3 {
		case 1:
			form = url.QueryEscape(secret)
		case 2:
			form = url.QueryEscape(url.QueryEscape(secret))
		}
		got := New(secret).String(prefix + form + suffix)
		if strings.Contains(got, form) && !strings.Contains(prefix+Mask+suffix, form) {
			t.Errorf("%q remains in %q", form, got)
		}
	})
}

// FuzzPrefilter: skipping the patterns for text that holds none of their
// words never changes what Text returns.
func FuzzPrefilter(f *testing.F) {
	for _, s := range []string{
		"", "event ignored", "GET /?SecurityToken=abc&x=1", "x-mns-security-token: CAIS",
		"server String-To-Sign is:GET&%2F", "Authorization: MNS AK:c2lnbmF0dXJl", "acs AK:abcdefgh12",
		"\u017fignature=x", "AccessKey\u017fecret=y", "ACCESSKEYSECRET%3Dz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Text(s), byPatterns(s); got != want {
			t.Errorf("Text(%q) = %q, the patterns give %q", s, got, want)
		}
	})
}
