package server

import (
	"bytes"
	"io"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The gateway decodes a JSON body into its request message before the
// gRPC server's codec (and its list bounds) can see it, and a JSON value
// decodes to several times its size: "{}," is three bytes and an empty
// message of a hundred. So a body is counted before it is decoded. The
// largest real request, a push of 1,000 patrols with MaxPushTrackPoints
// points in all, holds about 110,000 objects and 500,000 commas.
const (
	// MaxJSONObjects bounds the JSON objects in one request body.
	MaxJSONObjects = 250_000
	// MaxJSONCommas bounds the commas between values and fields in one
	// request body: a bound on the entries of its arrays and objects.
	MaxJSONCommas = 1_000_000
)

// limitBody reads a request's body whole, up to MaxHTTPBodyBytes, refuses
// one past that or past the bounds above with 400, and hands the handler
// the bytes read.
func (g *gateway) limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHTTPBodyBytes))
		if err != nil {
			g.writeError(w, r, status.Errorf(codes.InvalidArgument, "request body: %v (at most %d bytes)", err, MaxHTTPBodyBytes))
			return
		}
		if err := checkJSONSize(body); err != nil {
			g.writeError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

// checkJSONSize counts the objects and commas of b outside strings.
func checkJSONSize(b []byte) error {
	objects, commas := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{':
			objects++
		case c == ',':
			commas++
		}
	}
	switch {
	case objects > MaxJSONObjects:
		return status.Errorf(codes.InvalidArgument, "request body holds more than %d JSON objects; at most %d", MaxJSONObjects, MaxJSONObjects)
	case commas > MaxJSONCommas:
		return status.Errorf(codes.InvalidArgument, "request body holds more than %d JSON values; at most %d", MaxJSONCommas, MaxJSONCommas)
	}
	return nil
}

// writeError writes err as the API's errors are written, for handlers
// of the gateway's own beside grpc-gateway's.
func (g *gateway) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpError(r.Context(), g.api, g.marshaler, w, r, err)
}
