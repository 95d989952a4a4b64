package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Photo routes.
const (
	photoDownloadPattern  = "/v1/photos/{photo_id}:download"
	photoThumbnailPattern = "/v1/photos/{photo_id}:thumbnail"
	photoUploadPattern    = "/v1/photos"
	// PhotoFilePart is the name of an upload form's part that holds the
	// photo: wx.uploadFile's name parameter, curl's -F file=@….
	PhotoFilePart = "file"
)

// photoCacheMaxAge is how long a client may keep showing a photo without
// asking again. A photo's bytes never change under its ETag, but who may
// see it can (a worker moves to another grid), so after a day the client
// asks again: a 304 costs no bytes, and passes the access check again.
const photoCacheMaxAge = 24 * time.Hour

// maxPhotoFormFieldBytes bounds each of an upload form's fields, a
// location's address of up to 500 characters among them. Their number is
// bounded too: each must be a distinct field of the photo header.
const maxPhotoFormFieldBytes = 4 << 10

// MaxPhotoUploadBytes bounds an upload request's body: the largest photo,
// its form fields and the multipart framing.
const MaxPhotoUploadBytes = gridinspect.MaxPhotoBytes + 1<<20

// uploadChunkBytes is the size of the chunks an HTTP upload is sent in,
// as large as a chunk may be, as a phone sends them: each is a durable
// write and takes a token of the uploader's request limit.
const uploadChunkBytes = gridinspect.MaxPhotoChunkBytes

// downloadPhoto answers GET /v1/photos/{photo_id}:download with the
// photo's bytes, from SyncService.DownloadPhoto. The stream's first
// message carries the header, so the access check and the ETag come
// before any byte is sent.
func (rt *streamRoutes) downloadPhoto(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel() // ends the stream, also after a 304
	ctx, err := rt.callContext(ctx, r, pb.SyncService_DownloadPhoto_FullMethodName, photoDownloadPattern)
	if err != nil {
		rt.fail(r.Context(), w, r, err)
		return
	}
	stream, err := pb.NewSyncServiceClient(rt.conn).DownloadPhoto(ctx, &pb.DownloadPhotoRequest{PhotoId: params["photo_id"]})
	if err != nil {
		rt.fail(ctx, w, r, err)
		return
	}
	msg, err := stream.Recv()
	if err != nil {
		rt.fail(withStreamMetadata(ctx, stream), w, r, err)
		return
	}
	hdr := msg.GetHeader()
	setStreamHeaders(w, stream)
	h := w.Header()
	etag := strconv.Quote(hdr.GetSha256())
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(photoCacheMaxAge.Seconds())))
	if etagListed(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", hdr.GetContentType())
	h.Set("Content-Length", strconv.FormatInt(hdr.GetSizeBytes(), 10))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	for {
		if _, err := w.Write(msg.GetChunk().GetData()); err != nil {
			return // the client is gone; cancel ends the stream
		}
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			abortResponse()
		}
	}
}

// thumbnailPhoto answers GET /v1/photos/{photo_id}:thumbnail with the
// photo's thumbnail image, from SyncService.GetThumbnail (the same access
// check as the photo's). A placeholder is kept an hour only: the photo
// may yet be read once its upload is whole.
func (rt *streamRoutes) thumbnailPhoto(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx, th, err := callGateway(r, rt.api, pb.SyncService_GetThumbnail_FullMethodName,
		func(ctx context.Context, opts ...grpc.CallOption) (*pb.GetThumbnailResponse, error) {
			return pb.NewSyncServiceClient(rt.conn).GetThumbnail(ctx, &pb.GetThumbnailRequest{PhotoId: params["photo_id"]}, opts...)
		})
	if err != nil {
		rt.fail(ctx, w, r, err)
		return
	}
	if md, ok := runtime.ServerMetadataFromContext(ctx); ok {
		setHeaders(w, md.HeaderMD)
	}
	h := w.Header()
	etag := strconv.Quote(th.GetEtag())
	h.Set("ETag", etag)
	maxAge := photoCacheMaxAge
	if th.GetPlaceholder() {
		maxAge = time.Hour
	}
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(maxAge.Seconds())))
	if etagListed(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", th.GetContentType())
	h.Set("Content-Length", strconv.Itoa(len(th.GetData())))
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(th.GetData())
}

// etagListed reports whether an If-None-Match header lists etag, or is
// "*". If-None-Match compares weakly (RFC 9110 13.1.2): W/ is ignored.
func etagListed(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// uploadPhoto answers POST /v1/photos, one multipart/form-data request
// (what wx.uploadFile sends): the photo header's fields first, named as
// in JSON or in the .proto (photoId or photo_id, reportId, sha256,
// contentType, takenAt, location.latitude, …, sizeBytes), then the photo
// in the part named PhotoFilePart, last. The fields must come first
// because the header goes out before the bytes; wx.uploadFile writes its
// formData before the file, and curl writes the parts in the order of its
// -F options.
//
// The bytes go to SyncService.UploadPhoto in chunks as they are read, when
// sizeBytes is given; otherwise the part is first copied to a temporary
// file to learn its size (memory stays flat either way). An upload cut
// off earlier resumes from what the server holds, so retrying the same
// request completes it; a complete photo is answered as over gRPC, at
// once after the header.
func (rt *streamRoutes) uploadPhoto(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	// The answer is read by a client still sending: read what it sends
	// (at most MaxPhotoUploadBytes) before answering.
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	// An upload makes two calls; the server logs both under one id.
	if r.Header.Get("X-Request-Id") == "" {
		r.Header.Set("X-Request-Id", uuid.NewString())
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ctx, err := rt.callContext(ctx, r, pb.SyncService_UploadPhoto_FullMethodName, photoUploadPattern)
	if err != nil {
		rt.fail(r.Context(), w, r, err)
		return
	}
	resp, ctx, err := rt.upload(ctx, r)
	if err != nil {
		rt.fail(ctx, w, r, err)
		return
	}
	_, out := runtime.MarshalerForRequest(rt.api, r)
	runtime.ForwardResponseMessage(ctx, rt.api, out, w, r, resp, rt.api.GetForwardResponseOptions()...)
}

// upload reads the form and makes the calls; the context it returns
// carries the upload stream's metadata once it is open.
func (rt *streamRoutes) upload(ctx context.Context, r *http.Request) (*pb.UploadPhotoResponse, context.Context, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ctx, rt.invalid(ctx, "Content-Type", "须为带分隔符的 multipart/form-data", "must be multipart/form-data with a boundary (%v)", err)
	}
	header, sizeGiven, file, err := rt.photoForm(ctx, mr)
	if err != nil {
		return nil, ctx, err
	}
	defer file.Close()
	body := bufio.NewReader(file)
	if header.GetContentType() == "" {
		header.ContentType = partContentType(file, body)
	}
	photos := pb.NewSyncServiceClient(rt.conn)
	// The status authenticates the caller before anything is copied, and
	// says where an earlier upload of this photo stopped.
	var md runtime.ServerMetadata
	st, err := photos.GetUploadStatus(ctx, &pb.GetUploadStatusRequest{PhotoId: header.GetPhotoId()}, grpc.Header(&md.HeaderMD))
	if err != nil {
		return nil, runtime.NewServerMetadataContext(ctx, md), err
	}

	var src io.Reader = body
	lastPart := func() error { return rt.endOfForm(ctx, mr, body, header, sizeGiven) }
	if !sizeGiven {
		spool, err := rt.spoolPart(ctx, body)
		if spool != nil {
			defer func() { _ = spool.Close(); _ = os.Remove(spool.Name()) }()
		}
		if err != nil {
			return nil, ctx, err
		}
		if err := lastPart(); err != nil {
			return nil, ctx, err
		}
		size, err := spool.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = spool.Seek(0, io.SeekStart)
		}
		if err != nil {
			return nil, ctx, rt.s.status(ctx, fmt.Errorf("upload photo: spool: %w", err))
		}
		header.SizeBytes, src, lastPart = size, spool, func() error { return nil }
	}
	from := int64(0)
	switch {
	case st.GetComplete():
		from = header.GetSizeBytes() // the server answers after the header
	case st.GetSizeBytes() == header.GetSizeBytes() && st.GetCommittedBytes() < header.GetSizeBytes():
		from = st.GetCommittedBytes()
	}

	stream, err := photos.UploadPhoto(ctx)
	if err != nil {
		return nil, ctx, err
	}
	formErr := rt.sendPhoto(ctx, stream, header, src, from, lastPart)
	resp, err := stream.CloseAndRecv()
	ctx = withStreamMetadata(ctx, stream)
	switch {
	case err != nil: // the server's error came first
		return nil, ctx, err
	case formErr != nil:
		return nil, ctx, formErr
	}
	return resp, ctx, nil
}

// photoForm reads an upload form's fields into a photo header, up to its
// file part, which it returns unread. sizeGiven says whether sizeBytes
// was one of the fields.
func (rt *streamRoutes) photoForm(ctx context.Context, mr *multipart.Reader) (header *pb.PhotoHeader, sizeGiven bool, file *multipart.Part, err error) {
	values := url.Values{}
	headerFields := (&pb.PhotoHeader{}).ProtoReflect().Descriptor()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, false, nil, rt.invalid(ctx, PhotoFilePart, "缺少照片文件", "is required: the photo goes in a part named %q, after the fields", PhotoFilePart)
		}
		if err != nil {
			return nil, false, nil, rt.bodyError(ctx, err)
		}
		name := part.FormName()
		if name == PhotoFilePart {
			file = part
			break
		}
		if part.FileName() != "" {
			return nil, false, nil, rt.invalid(ctx, name, "照片文件须放在 "+strconv.Quote(PhotoFilePart)+" 部分", "is a file; the photo goes in the part named %q", PhotoFilePart)
		}
		field, ok := protoFieldPath(headerFields, name)
		if !ok {
			return nil, false, nil, rt.invalid(ctx, name, "不是上传照片可填的字段", "is not a field of an upload (PhotoHeader's, as photoId or photo_id)")
		}
		if values.Has(field) {
			return nil, false, nil, rt.invalid(ctx, field, "重复填写了两次", "is given twice")
		}
		v, err := io.ReadAll(io.LimitReader(part, maxPhotoFormFieldBytes+1))
		if err != nil {
			return nil, false, nil, rt.bodyError(ctx, err)
		}
		if len(v) > maxPhotoFormFieldBytes {
			return nil, false, nil, rt.invalid(ctx, field, "过长，最多 "+itoa64(maxPhotoFormFieldBytes)+" 字节", "is longer than %d bytes", maxPhotoFormFieldBytes)
		}
		values.Set(field, string(v))
	}
	if len(values) == 0 {
		_ = file.Close()
		return nil, false, nil, rt.invalid(ctx, PhotoFilePart, "照片文件须放在其他字段之后", "came before the fields (photoId, reportId, sha256, …): they must come first")
	}
	header = &pb.PhotoHeader{}
	for field, v := range values {
		// One at a time, to name the field grpc-gateway's parser refuses.
		if err := runtime.PopulateQueryParameters(header, url.Values{field: v}, utilities.NewDoubleArray(nil)); err != nil {
			_ = file.Close()
			return nil, false, nil, rt.invalid(ctx, field, "无法读取", "cannot be read: %v", err)
		}
	}
	return header, values.Has("size_bytes"), file, nil
}

// protoFieldPath resolves a form field's name, dotted as in a query string
// (location.latitude), in md, each step in its .proto or JSON spelling,
// and returns it in the .proto's.
func protoFieldPath(md protoreflect.MessageDescriptor, name string) (string, bool) {
	var path []string
	for _, step := range strings.Split(name, ".") {
		if md == nil {
			return "", false
		}
		f := md.Fields().ByName(protoreflect.Name(step))
		if f == nil {
			f = md.Fields().ByJSONName(step)
		}
		if f == nil {
			return "", false
		}
		path = append(path, string(f.Name()))
		md = f.Message()
	}
	return strings.Join(path, "."), true
}

// partContentType is the media type of a file part with no contentType
// field: the part's own, unless it is missing or says only "bytes";
// then what the first bytes look like (JPEG, PNG and WebP are known by
// them; HEIC needs the field).
func partContentType(part *multipart.Part, body *bufio.Reader) string {
	if t, _, err := mime.ParseMediaType(part.Header.Get("Content-Type")); err == nil && t != "application/octet-stream" {
		return t
	}
	head, _ := body.Peek(512)
	t, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	return t
}

// spoolPart copies a file part of unknown size to a temporary file, to
// learn its size. A part past the largest photo is cut just past it; the
// server refuses its size. An error reading the part is a bodyError, any
// other an internal one.
func (rt *streamRoutes) spoolPart(ctx context.Context, part io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "gridinspect-upload-*")
	if err != nil {
		return nil, rt.s.status(ctx, fmt.Errorf("upload photo: spool: %w", err))
	}
	src := &readErrors{r: io.LimitReader(part, gridinspect.MaxPhotoBytes+1)}
	if _, err := io.Copy(f, src); err != nil {
		if src.err != nil {
			return f, rt.bodyError(ctx, src.err)
		}
		return f, rt.s.status(ctx, fmt.Errorf("upload photo: spool: %w", err))
	}
	return f, nil
}

// readErrors remembers its reader's error, to tell it from a writer's.
type readErrors struct {
	r   io.Reader
	err error
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

// invalid is an INVALID_ARGUMENT naming field, as the server makes one.
func (rt *streamRoutes) invalid(ctx context.Context, field, zh, format string, args ...any) error {
	return rt.s.status(ctx, invalid(field, zh, format, args...))
}

// bodyError answers a request body that could not be read: too long, or
// cut off (its client is then gone, and reads no answer).
func (rt *streamRoutes) bodyError(ctx context.Context, err error) error {
	if tooLong := (*http.MaxBytesError)(nil); errors.As(err, &tooLong) {
		return rt.invalid(ctx, "body", "内容过长，最多 "+itoa64(tooLong.Limit)+" 字节", "is longer than %d bytes", tooLong.Limit)
	}
	return rt.invalid(ctx, "body", "内容无法读取", "cannot be read: %v", err)
}

// shortFile answers a file part that ended after got bytes, before the
// declared size.
func (rt *streamRoutes) shortFile(ctx context.Context, err error, got, size int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return rt.invalid(ctx, "size_bytes", "与照片文件的实际大小不符", "is %d, but the file part holds %d bytes", size, got)
	}
	return rt.bodyError(ctx, err)
}

// endOfForm checks, before the last chunk goes out, that the file part
// ends there (its size is the declared one) and that no part follows it.
func (rt *streamRoutes) endOfForm(ctx context.Context, mr *multipart.Reader, body *bufio.Reader, header *pb.PhotoHeader, sizeGiven bool) error {
	if sizeGiven {
		if _, err := body.Peek(1); !errors.Is(err, io.EOF) {
			if err != nil {
				return rt.bodyError(ctx, err)
			}
			return rt.invalid(ctx, "size_bytes", "与照片文件的实际大小不符", "is %d, but the file part is longer", header.GetSizeBytes())
		}
	}
	next, err := mr.NextPart()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return rt.bodyError(ctx, err)
	}
	return rt.invalid(ctx, PhotoFilePart, "照片文件须放在表单最后", "must be the form's last part; %q came after it", next.FormName())
}

// sendPhoto sends the header, then src's bytes from offset from in
// chunks, checking with last before the last one. It returns the error
// to answer with that the form or its body caused; an error of the
// stream (the server answered early, or refused) is left to CloseAndRecv.
func (rt *streamRoutes) sendPhoto(ctx context.Context, stream grpc.ClientStreamingClient[pb.UploadPhotoRequest, pb.UploadPhotoResponse],
	header *pb.PhotoHeader, src io.Reader, from int64, last func() error) error {
	if err := stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: header}}); err != nil {
		return nil
	}
	size := header.GetSizeBytes()
	if from >= size {
		return nil
	}
	if n, err := io.CopyN(io.Discard, src, from); err != nil {
		return rt.shortFile(ctx, err, n, size)
	}
	buf := make([]byte, min(uploadChunkBytes, size-from))
	for off := from; off < size; {
		n, err := io.ReadFull(src, buf[:min(int64(len(buf)), size-off)])
		if err != nil {
			return rt.shortFile(ctx, err, off+int64(n), size)
		}
		if off+int64(n) == size {
			if err := last(); err != nil {
				return err
			}
		}
		if err := stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: off, Data: buf[:n]}}}); err != nil {
			return nil
		}
		off += int64(n)
	}
	return nil
}
