package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// httpConn makes the API's unary calls over HTTP/JSON, the way a
// mini-program would: each call goes to the path of its google.api.http
// rule, with its fields in the path, the query or a JSON body, and the
// bearer token of ctx's outgoing metadata as Authorization. It implements
// grpc.ClientConnInterface, so that the generated gRPC clients, and every
// test written with them, run over HTTP unchanged. An error answer (JSON
// google.rpc.Status) comes back as the status it carries.
type httpConn struct {
	t    testing.TB
	base string // http://127.0.0.1:port
	http *http.Client
	// lastStatus is the HTTP status of the last answer.
	lastStatus int
}

func (c *httpConn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	md, rule, err := httpRuleOf(method)
	if err != nil {
		return err
	}
	req := args.(proto.Message)
	verb, template := "GET", rule.GetGet()
	switch {
	case rule.GetPost() != "":
		verb, template = "POST", rule.GetPost()
	case rule.GetPatch() != "":
		verb, template = "PATCH", rule.GetPatch()
	case rule.GetPut() != "":
		verb, template = "PUT", rule.GetPut()
	case rule.GetDelete() != "":
		verb, template = "DELETE", rule.GetDelete()
	}
	bound := map[string]bool{}
	path := pathParam.ReplaceAllStringFunc(template, func(p string) string {
		field := strings.Trim(p, "{}")
		bound[field] = true
		return url.PathEscape(fieldText(req.ProtoReflect(), strings.Split(field, ".")))
	})
	var body io.Reader
	switch rule.GetBody() {
	case "":
		q := url.Values{}
		queryOf(req.ProtoReflect(), "", bound, q)
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
	case "*":
		b, err := protojson.Marshal(req)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	default:
		fd := md.Input().Fields().ByName(protoreflect.Name(rule.GetBody()))
		b, err := protojson.Marshal(req.ProtoReflect().Get(fd).Message().Interface())
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, verb, c.base+path, body)
	if err != nil {
		return err
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if out, ok := metadata.FromOutgoingContext(ctx); ok {
		for _, v := range out.Get("authorization") {
			hr.Header.Add("Authorization", v)
		}
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	defer resp.Body.Close()
	c.lastStatus = resp.StatusCode
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	if resp.StatusCode != http.StatusOK {
		var st spb.Status
		if err := protojson.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("HTTP %d with a body that is not a google.rpc.Status: %v: %q", resp.StatusCode, err, b)
		}
		return status.ErrorProto(&st)
	}
	return protojson.Unmarshal(b, reply.(proto.Message))
}

func (c *httpConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "httpConn: streams have HTTP handlers of their own")
}

var pathParam = regexp.MustCompile(`\{[a-z_.]+\}`)

// httpRuleOf returns the method "/pkg.Service/Method" and its HTTP rule.
func httpRuleOf(method string) (protoreflect.MethodDescriptor, *annotations.HttpRule, error) {
	name := strings.ReplaceAll(strings.TrimPrefix(method, "/"), "/", ".")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, nil, fmt.Errorf("httpConn: %s: %w", method, err)
	}
	md := d.(protoreflect.MethodDescriptor)
	rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil {
		return nil, nil, status.Errorf(codes.Unimplemented, "httpConn: %s has no HTTP rule", method)
	}
	return md, rule, nil
}

// fieldText is the text of the scalar at path in m.
func fieldText(m protoreflect.Message, path []string) string {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(path[0]))
	if len(path) > 1 {
		return fieldText(m.Get(fd).Message(), path[1:])
	}
	return scalarText(fd, m.Get(fd))
}

func scalarText(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if fd.Kind() == protoreflect.EnumKind {
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
	}
	return v.String()
}

// queryOf puts the fields of m that are set and not bound by the path into
// q, as grpc-gateway reads them: dotted names, a repeated field as the
// name repeated, a timestamp in RFC 3339.
func queryOf(m protoreflect.Message, prefix string, bound map[string]bool, q url.Values) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := prefix + fd.JSONName()
		if bound[prefix+string(fd.Name())] {
			return true
		}
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				q.Add(name, scalarText(fd, v.List().Get(i)))
			}
		case fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp":
			b, _ := protojson.Marshal(v.Message().Interface())
			q.Set(name, strings.Trim(string(b), `"`))
		case fd.Message() != nil:
			queryOf(v.Message(), name+".", bound, q)
		default:
			q.Set(name, scalarText(fd, v))
		}
		return true
	})
}

// httpConn serves h's server over HTTP on 127.0.0.1 for the test's life
// and returns a connection that calls it.
func (h *harness) httpConn() *httpConn {
	h.t.Helper()
	handler, err := h.srv.HTTPHandler()
	if err != nil {
		h.t.Fatalf("HTTP handler: %v", err)
	}
	ts := httptest.NewServer(handler)
	h.t.Cleanup(ts.Close)
	return &httpConn{t: h.t, base: ts.URL, http: ts.Client()}
}
