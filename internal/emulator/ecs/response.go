package ecs

import (
	"encoding/json"
	"encoding/xml"
	"net/http"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcerr"
)

// writer answers one request in the format it asked for (JSON by default).
type writer struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	format    string // JSON or XML
	action    string // set once routed; names the XML root element
}

// errorBody is the service's error answer (package rpcerr).
type errorBody = rpcerr.Body

func (o *writer) fail(e *apiError) {
	host := o.r.Host
	if host == "" {
		host = "ecs.aliyuncs.com"
	}
	o.write(e.Status, "Error", errorBody{
		RequestID: o.requestID,
		HostID:    host,
		Code:      e.Code,
		Message:   e.Message,
		Recommend: recommend(e.Code, o.requestID),
	})
}

func (o *writer) ok(body response) {
	o.write(http.StatusOK, o.action+"Response", body)
}

// write encodes body; in XML its root element is root (ActionResponse, or
// Error), as the service names them.
func (o *writer) write(status int, root string, body any) {
	h := o.w.Header()
	h.Set("x-acs-request-id", o.requestID)
	if o.format == "XML" {
		h.Set("Content-Type", "text/xml;charset=utf-8")
		o.w.WriteHeader(status)
		_, _ = o.w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(o.w)
		_ = enc.EncodeElement(body, xml.StartElement{Name: xml.Name{Local: root}})
		return
	}
	h.Set("Content-Type", "application/json;charset=utf-8")
	o.w.WriteHeader(status)
	_ = json.NewEncoder(o.w).Encode(body)
}

// requestIDField is embedded by every success body.
type requestIDField struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
}

func (f *requestIDField) setRequestID(id string) { f.RequestID = id }
