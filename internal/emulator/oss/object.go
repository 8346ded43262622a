package oss

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// crcTable is CRC-64/ECMA-182 as OSS reports it in x-oss-hash-crc64ecma
// (the SDK checks it after every upload and download).
var crcTable = crc64.MakeTable(crc64.ECMA)

// checkKey applies the object naming rules: 1 to 1023 bytes of UTF-8, not
// starting with / or \.
func checkKey(key string) *apiError {
	if len(key) > 1023 || !utf8.ValidString(key) || strings.HasPrefix(key, "/") || strings.HasPrefix(key, `\`) {
		return errCode("InvalidObjectName")
	}
	return nil
}

// putObject stores the body. With x-oss-forbid-overwrite: true an existing
// key is FileAlreadyExists (409) and the object is untouched; the header
// takes only true or false.
func (s *Service) putObject(r *http.Request, t target, body []byte) reply {
	forbid := false
	switch v := r.Header.Get("x-oss-forbid-overwrite"); {
	case v == "" || strings.EqualFold(v, "false"):
	case strings.EqualFold(v, "true"):
		forbid = true
	default:
		return errReply(errorf("InvalidArgument", "x-oss-forbid-overwrite must be true or false, not %q.", v))
	}
	sum := md5.Sum(body)
	o := Object{
		Data:         body,
		ContentType:  r.Header.Get("Content-Type"),
		ETag:         `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`,
		Metadata:     map[string]string{},
		LastModified: s.clk.Now().UTC(),
		CRC64:        crc64.Checksum(body, crcTable),
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	for name, vs := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-oss-meta-") {
			o.Metadata[lower] = strings.Join(vs, ",")
		}
	}
	if !s.store.put(t.bucket, t.key, o, forbid) {
		return errReply(errCode("FileAlreadyExists").with("Key", t.key))
	}
	h := http.Header{}
	h.Set("ETag", o.ETag)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	return reply{status: http.StatusOK, header: h}
}

// getObject answers GetObject and HeadObject (whose body write drops).
func (s *Service) getObject(t target) reply {
	o, ok := s.store.get(t.bucket, t.key)
	if !ok {
		return errReply(errCode("NoSuchKey").with("Key", t.key))
	}
	sum := md5.Sum(o.Data)
	h := http.Header{}
	h.Set("Content-Type", o.ContentType)
	h.Set("ETag", o.ETag)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	h.Set("Last-Modified", o.LastModified.Format(http.TimeFormat))
	h.Set("x-oss-object-type", "Normal")
	h.Set("x-oss-storage-class", "Standard")
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	for k, v := range o.Metadata {
		h.Set(k, v)
	}
	if o.Data == nil {
		o.Data = []byte{} // an empty object still has Content-Length: 0
	}
	return reply{status: http.StatusOK, header: h, body: o.Data}
}
