package redact

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const (
	token  = "CAIS+token/with=specials*~xyz123"
	secret = "s3cr3t-AccessKey-Secret"
)

func TestTextRemovesCredentialPatterns(t *testing.T) {
	signed := "http://127.0.0.1:39665/?AccessKeyId=LTAI5tKey&Action=DescribeImages&SecurityToken=" +
		url.QueryEscape(token) + "&Signature=KCgFufsVaOz6CEBTDfwVYUdNisc%3D&Version=2014-05-26"
	tests := []struct {
		name, in string
		gone     []string // must not remain
		kept     []string // must remain: the text stays useful
	}{
		{"Go network error quoting the signed URL",
			`Post "` + signed + `": read tcp 127.0.0.1:5->127.0.0.1:39665: read: connection reset by peer`,
			[]string{url.QueryEscape(token), "KCgFufsVaOz6CEBTDfwVYUdNisc"},
			[]string{"AccessKeyId=LTAI5tKey", "Action=DescribeImages", "connection reset by peer", "SecurityToken=" + Mask}},
		{"ECS SignatureDoesNotMatch with the server's string to sign",
			"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI%26SecurityToken%3DCAIS%252Btoken",
			[]string{"CAIS", "AccessKeyId%3D"},
			[]string{"Specified signature is not matched", "string to sign is: " + Mask}},
		{"MNS SignatureDoesNotMatch quoting StringToSign",
			`The request signature does not match. StringToSign: "POST\n\ntext/xml\nx-mns-security-token:CAIStoken\n/queues/q"`,
			[]string{"CAIStoken", "/queues/q"},
			[]string{"The request signature does not match"}},
		{"MNS Authorization header",
			"Authorization: MNS LTAI5tKey:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg=",
			[]string{"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg="},
			[]string{"MNS LTAI5tKey:" + Mask}},
		{"token header in a dump",
			"x-mns-security-token: CAISabcdef",
			[]string{"CAISabcdef"}, nil},
		{"plain text untouched",
			"the account does not exist", nil, []string{"the account does not exist"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Text(tc.in)
			for _, g := range tc.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q remains in %q", g, got)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(got, k) {
					t.Errorf("%q lost from %q", k, got)
				}
			}
		})
	}
}

func TestScrubberRemovesValuesInEveryEncoding(t *testing.T) {
	s := New(secret, token, "", "abc") // empty and short values are skipped
	once := url.QueryEscape(token)
	for _, in := range []string{
		"raw " + token,
		"query " + once,
		"twice " + url.QueryEscape(once),
		"rpc " + strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(once),
		"path " + url.PathEscape(token),
		"secret in a sentence: " + secret + ".",
	} {
		got := s.String(in)
		if strings.Contains(got, token) || strings.Contains(got, once) || strings.Contains(got, secret) || !strings.Contains(got, Mask) {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
	if got := s.String("abcdef abc"); got != "abcdef abc" {
		t.Errorf("a short value was scrubbed: %q", got)
	}
	var nilS *Scrubber
	if got := nilS.String("x?Signature=abc&y=1"); got != "x?Signature="+Mask+"&y=1" {
		t.Errorf("nil scrubber: %q", got)
	}
}

func TestErrorKeepsChainScrubsText(t *testing.T) {
	base := errors.New("read " + token)
	err := New(token).Error(fmt.Errorf("publish: %w", base))
	if strings.Contains(err.Error(), token) {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, base) {
		t.Error("chain lost")
	}
	if New(token).Error(nil) != nil {
		t.Error("nil error became non-nil")
	}
}

func TestWriterScrubs(t *testing.T) {
	var b bytes.Buffer
	w := New(token).Writer(&b)
	n, err := fmt.Fprintf(w, "token %s here\n", token)
	if err != nil || n != len("token "+token+" here\n") {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if b.String() != "token "+Mask+" here\n" {
		t.Errorf("wrote %q", b.String())
	}
}

type creds struct{ Token string }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("lazy " + token) }

func TestHandlerScrubsEveryPartOfARecord(t *testing.T) {
	var b bytes.Buffer
	s := New(token, secret)
	log := slog.New(s.Handler(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log = log.With("with", "w "+token).WithGroup("g")
	log.Warn("msg "+secret,
		"str", token,
		"err", fmt.Errorf("wrapped: %w", errors.New(token)),
		"struct", creds{Token: token},
		"group", slog.GroupValue(slog.String("inner", token)),
		"lazy", valuer{},
		"count", 3,
		"calls", map[string]int{"DescribeImages": 2},
	)
	out := b.String()
	for _, bad := range []string{token, secret, url.QueryEscape(token)} {
		if strings.Contains(out, bad) {
			t.Errorf("log line holds %q: %s", bad, out)
		}
	}
	for _, want := range []string{`"count":3`, `"calls":{"DescribeImages":2}`, Mask} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lost %s: %s", want, out)
		}
	}
	// Wrapping twice with the same scrubber does not stack handlers.
	h := s.Handler(slog.NewTextHandler(&b, nil))
	if s.Handler(h) != h {
		t.Error("handler wrapped twice")
	}
}
