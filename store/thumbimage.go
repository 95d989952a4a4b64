package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/gridinspect/gridinspect"
)

// Making a thumbnail out of a photo's bytes: what is decoded, within
// what bounds, and how it is scaled. See thumbnails.go for when.

// Bounds of what is decoded to make a thumbnail. A photo file has at most
// gridinspect.MaxPhotoBytes, but a small file can claim billions of
// pixels, and a decoder allocates what the header claims: the header is
// read first, and an image over these bounds is not decoded.
const (
	// maxThumbSourcePixels bounds the pixels of an image decoded: a
	// 50-megapixel phone camera's full-size JPEG is within.
	maxThumbSourcePixels = 50_000_000
	// maxThumbDecodeBytes bounds what decoding and scaling one image is
	// estimated to allocate (thumbDecodeBytes): about 135 MB for a
	// 50-megapixel JPEG as cameras write them (baseline, 4:2:0), so such
	// a photo gets its thumbnail, where a progressive JPEG, a 4:4:4 or
	// CMYK one, or a 16-bit PNG of as many pixels gets the placeholder.
	maxThumbDecodeBytes = 200 << 20
	// thumbQuality is the JPEG quality of a thumbnail.
	thumbQuality = 80
)

// thumbDecoders are the formats thumbnails are made of, by the name
// image.DecodeConfig gives them. Any other format the binary links (say,
// the GIF, BMP and TIFF decoders excelize registers) is not decoded: each
// decoder is more code that hostile bytes reach.
var thumbDecoders = map[string]func(io.Reader) (image.Image, error){
	"jpeg": jpeg.Decode,
	"png":  png.Decode,
	"webp": webp.Decode,
}

// noPreviewError says a photo gets the placeholder, and why. mark says
// that finding it out took a whole decode (the header was fine, the rest
// not), which is worth remembering so as not to do it again; the other
// cases are found from the header alone.
type noPreviewError struct {
	reason string
	mark   bool
}

func (e *noPreviewError) Error() string { return "no preview: " + e.reason }

func noPreview(mark bool, format string, args ...any) error {
	return &noPreviewError{reason: fmt.Sprintf(format, args...), mark: mark}
}

// readErr remembers the first error of its reader other than io.EOF, so
// that a failing disk is told from a broken image: a decoder reports
// either as its own error.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// renderThumbnail reads the image in f and returns its thumbnail as a
// JPEG: the longest side gridinspect.ThumbnailMaxSide pixels (a smaller
// image keeps its size), turned upright as a JPEG's EXIF orientation
// says. An image it will not or cannot decode is a *noPreviewError; any
// other error is f's.
func renderThumbnail(f io.ReadSeeker) ([]byte, error) {
	src := &readErr{r: f}
	// rewind starts reading f again from its first byte.
	rewind := func() (*bufio.Reader, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return bufio.NewReader(src), nil
	}
	r, err := rewind()
	if err != nil {
		return nil, err
	}
	head, _ := r.Peek(32) // a shorter file is for DecodeConfig to refuse
	if src.err != nil {
		return nil, src.err
	}
	head = bytes.Clone(head)
	cfg, format, err := image.DecodeConfig(r)
	switch {
	case src.err != nil:
		return nil, src.err
	case err != nil:
		return nil, noPreview(false, "not an image this program decodes: %v", err)
	case thumbDecoders[format] == nil:
		return nil, noPreview(false, "a %s image; thumbnails are made of JPEG, PNG and WebP", format)
	case cfg.Width <= 0 || cfg.Height <= 0:
		return nil, noPreview(false, "the header says %d×%d pixels", cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > maxThumbSourcePixels:
		return nil, noPreview(false, "%d×%d pixels; at most %d are decoded", cfg.Width, cfg.Height, maxThumbSourcePixels)
	}
	var frame jpegFrame
	if format == "jpeg" {
		if r, err = rewind(); err != nil {
			return nil, err
		}
		frame = readJPEGFrame(r)
		if src.err != nil {
			return nil, src.err
		}
	}
	if need := thumbDecodeBytes(format, cfg, head, frame); need > maxThumbDecodeBytes {
		return nil, noPreview(false, "decoding %d×%d pixels would take about %d MB; at most %d",
			cfg.Width, cfg.Height, int64(need)>>20, maxThumbDecodeBytes>>20)
	}

	if r, err = rewind(); err != nil {
		return nil, err
	}
	img, err := decodeSafely(thumbDecoders[format], r)
	switch {
	case src.err != nil:
		return nil, src.err
	case err != nil:
		return nil, noPreview(true, "%s: %v", format, err)
	case img.Bounds().Dx() != cfg.Width || img.Bounds().Dy() != cfg.Height:
		return nil, noPreview(true, "%s: decoded %v, but the header says %d×%d", format, img.Bounds().Size(), cfg.Width, cfg.Height)
	}

	w, h := thumbSize(cfg.Width, cfg.Height)
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	// A JPEG has no transparency: what is transparent shows as white,
	// as it would on a page, not black.
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(small, small.Bounds(), img, img.Bounds(), draw.Over, nil)
	img = nil // the big image can go while the small one is encoded
	upright := orient(small, frame.orientation)

	var out bytes.Buffer
	if err := jpeg.Encode(&out, upright, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// decodeSafely decodes with decode, taking a panic in the decoder (bytes
// from a phone reach it) for an error.
func decodeSafely(decode func(io.Reader) (image.Image, error), r io.Reader) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return decode(r)
}

// thumbSize returns the size of the thumbnail of a w×h image: its longest
// side gridinspect.ThumbnailMaxSide, the same shape; a smaller image
// keeps its size.
func thumbSize(w, h int) (int, int) {
	const m = gridinspect.ThumbnailMaxSide
	switch {
	case w <= m && h <= m:
		return w, h
	case w >= h:
		return m, max(1, int(math.Round(float64(h)*m/float64(w))))
	default:
		return max(1, int(math.Round(float64(w)*m/float64(h)))), m
	}
}

// thumbDecodeBytes estimates what decoding a format image of cfg's size,
// and scaling it to a thumbnail, allocates, from what its header says:
// head is the file's first bytes, frame a JPEG's frame header. It errs on
// the high side.
func thumbDecodeBytes(format string, cfg image.Config, head []byte, frame jpegFrame) float64 {
	w, h := float64(cfg.Width), float64(cfg.Height)
	pixels := w * h
	var need float64
	switch format {
	case "jpeg":
		need = frame.decodeBytes(pixels)
	case "png":
		need = pixels * modelBytes(cfg.ColorModel)
		// An interlaced PNG is decoded pass by pass into images of their
		// own, merged into the whole: up to half as much again.
		if len(head) > 28 && head[28] == 1 {
			need *= 1.5
		}
	case "webp":
		switch cfg.ColorModel {
		case color.YCbCrModel: // lossy, 4:2:0
			need = pixels * 1.5
		case color.NYCbCrAModel: // lossy with alpha, which may be lossless
			need = pixels * (2.5 + 8)
		default: // lossless: ARGB words, then NRGBA
			need = pixels * 8
		}
	default:
		need = pixels * 8
	}
	// The scaler's buffer: a row of float64 RGBA per source row for each
	// column of the thumbnail (golang.org/x/image/draw's kernel scaler).
	tw, _ := thumbSize(cfg.Width, cfg.Height)
	return need + float64(tw)*h*32
}

// modelBytes is the bytes per pixel of a decoded image of color model m.
func modelBytes(m color.Model) float64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // RGBA64, NRGBA64, or anything else
}

// jpegFrame is what the start of a JPEG file says that a decoder's
// memory depends on, and its EXIF orientation.
type jpegFrame struct {
	found       bool // a frame header was read; if not, assume the worst
	progressive bool
	// samples are the components' sampling factors, horizontal and
	// vertical.
	samples     [][2]int
	orientation int // 1 to 8, as EXIF says; 1 (upright) when it says nothing
}

// decodeBytes estimates what image/jpeg allocates to decode a frame of
// pixels: each component's plane at its sampling, and for a progressive
// JPEG its coefficients too (64 int32 per 8×8 block, 4 bytes a sample);
// a 4-component JPEG is converted to CMYK besides.
func (f jpegFrame) decodeBytes(pixels float64) float64 {
	if !f.found || len(f.samples) == 0 {
		return pixels * 4 * 5 // four full planes, progressive
	}
	hmax, vmax := 1, 1
	for _, s := range f.samples {
		hmax, vmax = max(hmax, s[0]), max(vmax, s[1])
	}
	var planes float64
	for _, s := range f.samples {
		planes += pixels * float64(s[0]*s[1]) / float64(hmax*vmax)
	}
	need := planes
	if f.progressive {
		need += 4 * planes
	}
	if len(f.samples) == 4 {
		need += 4 * pixels
	}
	return need
}

// readJPEGFrame reads the markers of a JPEG file from its start up to its
// frame header (SOFn) and returns what it says and the EXIF orientation
// found on the way. It stops at anything it does not expect, with what it
// has; the caller checks r's source for read errors.
func readJPEGFrame(r *bufio.Reader) jpegFrame {
	f := jpegFrame{orientation: 1}
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return f
	}
	for {
		// Bytes between segments are an error that decoders (Go's, as
		// libjpeg) skip: so does this.
		_, err := r.ReadSlice(0xff)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return f
		}
		marker, err := r.ReadByte()
		for err == nil && marker == 0xff { // fill bytes
			marker, err = r.ReadByte()
		}
		switch {
		case err != nil:
			return f
		case marker == 0x01 || 0xd0 <= marker && marker <= 0xd7:
			continue // no length, no content
		case marker == 0xd9 || marker == 0xda:
			return f // the end, or the scan: no frame header came first
		}
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return f
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		if n < 0 {
			return f
		}
		switch {
		case marker == 0xe1: // APP1: EXIF, perhaps
			seg := make([]byte, n) // at most 64 KB
			if _, err := io.ReadFull(r, seg); err != nil {
				return f
			}
			if rest, ok := bytes.CutPrefix(seg, []byte("Exif\x00\x00")); ok {
				f.orientation = exifOrientation(rest)
			}
		case 0xc0 <= marker && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil || n < 6 {
				return f
			}
			comps := int(seg[5])
			if n < 6+3*comps {
				return f
			}
			for i := range comps {
				hv := seg[6+3*i+1]
				f.samples = append(f.samples, [2]int{max(1, int(hv>>4)), max(1, int(hv&0x0f))})
			}
			f.found, f.progressive = true, marker != 0xc0 && marker != 0xc1
			return f
		default:
			if _, err := r.Discard(n); err != nil {
				return f
			}
		}
	}
}

// exifOrientation returns the Orientation tag (0x0112) of the first IFD
// of the TIFF structure t (an EXIF segment past its "Exif\0\0"), 1 if it
// has none or it is not one of 1 to 8. Only that one tag is looked for.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:4]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 1
	}
	count := int64(order.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 1
		}
		tag, typ, n := order.Uint16(t[e:]), order.Uint16(t[e+2:]), order.Uint32(t[e+4:])
		if tag != 0x0112 {
			continue
		}
		if typ != 3 || n != 1 { // one SHORT, held in the entry itself
			return 1
		}
		if o := int(order.Uint16(t[e+8:])); 1 <= o && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}

// orient returns m turned as EXIF orientation o says, so that it shows
// upright: 2 to 8 are mirrored and turned, 6 (a phone held upright)
// turns it a quarter clockwise.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // upside down, mirrored
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // a quarter clockwise
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // a quarter anticlockwise
				dx, dy = y, w-1-x
			}
			i, j := m.PixOffset(x, y), out.PixOffset(dx, dy)
			copy(out.Pix[j:j+4], m.Pix[i:i+4])
		}
	}
	return out
}
