package rpcv1

import "testing"

// TestSignatureDocumentedExample checks the signer against the worked
// example of the RPC signature documentation (DescribeRegions, secret
// "testsecret").
func TestSignatureDocumentedExample(t *testing.T) {
	p := map[string]string{
		"AccessKeyId":      "testid",
		"Action":           "DescribeRegions",
		"Format":           "XML",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"SignatureVersion": "1.0",
		"Timestamp":        "2016-02-23T12:46:24Z",
		"Version":          "2014-05-26",
		"Signature":        "ignored",
	}
	const wantSTS = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML" +
		"%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" +
		"%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	sts := stringToSign("GET", p)
	if sts != wantSTS {
		t.Fatalf("string to sign\n got %s\nwant %s", sts, wantSTS)
	}
	if got := signature(sts, "testsecret"); got != "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
		t.Errorf("signature %s", got)
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"*", "%2A"},
		{"/:=&", "%2F%3A%3D%26"},
		{"é", "%C3%A9"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PercentEncode(tt.in); got != tt.want {
			t.Errorf("PercentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStringToSignKeepsEmptyValues: the SDK signs SignatureType= (empty).
func TestStringToSignKeepsEmptyValues(t *testing.T) {
	got := stringToSign("POST", map[string]string{"B": "", "A": "x y"})
	if want := "POST&%2F&A%3Dx%2520y%26B%3D"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
