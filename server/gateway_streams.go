package server

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// streamRoutes serves the streaming RPCs over HTTP, which grpc-gateway
// cannot map to files by itself: a photo's download and upload, and the
// reports' export. Like the generated handlers, each is a client of the
// gRPC server over the gateway's in-process connection, so a call passes
// the same codec, recovery, logging, authentication and per-user limits
// (per stream message too) as its gRPC twin; its errors are written by the
// same error handler (httpError).
type streamRoutes struct {
	s    *Server
	api  *runtime.ServeMux // the generated handlers' mux, for their context, marshalers and errors
	conn *grpc.ClientConn
}

// routeStreams adds the streaming routes to api, beside the generated
// handlers: api matches their ":verb" suffixes as it matches its own (a
// Go ServeMux pattern cannot hold "{photo_id}:download"), and a handler
// added later is tried first. mux, whose "/v1/" bounds a body at
// MaxHTTPBodyBytes, sends an upload to api under a bound that the largest
// photo fits: "POST /v1/photos" is the more specific pattern.
func (s *Server) routeStreams(api *runtime.ServeMux, conn *grpc.ClientConn, mux *http.ServeMux) error {
	rt := &streamRoutes{s: s, api: api, conn: conn}
	for _, r := range []struct {
		method, pattern string
		h               runtime.HandlerFunc
	}{
		{http.MethodGet, photoDownloadPattern, rt.downloadPhoto},
		{http.MethodGet, photoThumbnailPattern, rt.thumbnailPhoto},
		{http.MethodPost, photoUploadPattern, rt.uploadPhoto},
		{http.MethodGet, reportsExportPattern, rt.exportReports},
	} {
		if err := api.HandlePath(r.method, r.pattern, r.h); err != nil {
			return err
		}
	}
	mux.Handle(http.MethodPost+" "+photoUploadPattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxPhotoUploadBytes)
		api.ServeHTTP(w, r)
	}))
	return nil
}

// callContext is the context grpc-gateway's generated handlers give their
// calls, made by the same runtime.AnnotateContext: the Authorization
// header, X-Request-Id, and X-Forwarded-For ending with the HTTP client's
// address travel as outgoing metadata.
func (rt *streamRoutes) callContext(ctx context.Context, r *http.Request, method, pattern string) (context.Context, error) {
	return runtime.AnnotateContext(ctx, rt.api, r, method, runtime.WithHTTPPathPattern(pattern))
}

// fail writes err as the generated handlers write theirs (httpError):
// JSON google.rpc.Status under the HTTP status of its code. ctx carries
// the call's server metadata, if any (its x-request-id).
func (rt *streamRoutes) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	_, out := runtime.MarshalerForRequest(rt.api, r)
	runtime.HTTPError(ctx, rt.api, out, w, r, err)
}

// withStreamMetadata adds an ended stream's header and trailer to ctx, as
// the generated handlers do, for fail and runtime.ForwardResponseMessage.
func withStreamMetadata(ctx context.Context, stream grpc.ClientStream) context.Context {
	header, _ := stream.Header()
	return runtime.NewServerMetadataContext(ctx, runtime.ServerMetadata{HeaderMD: header, TrailerMD: stream.Trailer()})
}

// setStreamHeaders copies the stream's header metadata that the gateway
// passes on (its x-request-id) to the response, as the generated handlers
// do for theirs.
func setStreamHeaders(w http.ResponseWriter, stream grpc.ClientStream) {
	md, _ := stream.Header()
	setHeaders(w, md)
}

// setHeaders copies the call's header metadata that the gateway passes on
// to the response.
func setHeaders(w http.ResponseWriter, md metadata.MD) {
	for k, vs := range md {
		if h, ok := outgoingHeader(k); ok {
			for _, v := range vs {
				w.Header().Add(h, v)
			}
		}
	}
}

// abortResponse ends a response whose status and first bytes are sent
// already, after the stream behind it failed: the client sees a broken
// response (short of its Content-Length, or without the last chunk of a
// chunked one), never a file that looks whole.
func abortResponse() {
	panic(http.ErrAbortHandler)
}
