package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/gridinspect/gridinspect"
)

// The placeholder: what OpenThumbnail answers for a photo it cannot
// preview. A picture crossed out, over "NO PREVIEW", the size of a
// landscape thumbnail. It is drawn here, once, rather than committed as a
// file: the program says what it looks like. (Its words are English
// because no font with Chinese glyphs is at hand; a client that wants
// "无预览" shows its own, told by Thumbnail.Placeholder.)

// placeholderETagPrefix begins the placeholder's ETag; a hash of its
// bytes follows, so that a client's cached copy changes when it does.
const placeholderETagPrefix = "nopreview-"

// placeholder returns the placeholder; the caller must not change its
// Data.
func placeholder() *gridinspect.Thumbnail {
	t := placeholderOnce()
	return &t
}

var placeholderOnce = sync.OnceValue(func() gridinspect.Thumbnail {
	var b bytes.Buffer
	if err := png.Encode(&b, drawPlaceholder()); err != nil {
		panic("store: encode the placeholder: " + err.Error()) // an in-memory image: cannot fail
	}
	sum := sha256.Sum256(b.Bytes())
	return gridinspect.Thumbnail{Data: b.Bytes(), ContentType: "image/png",
		ETag: placeholderETagPrefix + hex.EncodeToString(sum[:8]), Placeholder: true}
})

// drawPlaceholder draws the placeholder.
func drawPlaceholder() *image.Paletted {
	var (
		paper = color.RGBA{0xee, 0xf1, 0xf4, 0xff}
		ink   = color.RGBA{0x9a, 0xa5, 0xb1, 0xff}
		cross = color.RGBA{0xc9, 0x4f, 0x4f, 0xff}
		text  = color.RGBA{0x5f, 0x6b, 0x78, 0xff}
	)
	const w, h = gridinspect.ThumbnailMaxSide, gridinspect.ThumbnailMaxSide * 3 / 4
	m := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{paper, ink, cross, text})
	fill := func(c color.Color, inside func(x, y float64) bool) {
		for y := range h {
			for x := range w {
				if inside(float64(x)+0.5, float64(y)+0.5) {
					m.Set(x, y, c)
				}
			}
		}
	}
	// A framed picture: a sun over two hills.
	fill(ink, func(x, y float64) bool {
		inOuter := 100 <= x && x < 220 && 50 <= y && y < 140
		inInner := 106 <= x && x < 214 && 56 <= y && y < 134
		return inOuter && !inInner
	})
	fill(ink, func(x, y float64) bool { return (x-188)*(x-188)+(y-76)*(y-76) <= 10*10 })
	fill(ink, func(x, y float64) bool {
		inside := 106 <= x && x < 214 && y < 134
		return inside && (y >= 134-(56-math.Abs(x-145)) || y >= 134-(34-math.Abs(x-185)))
	})
	// Crossed out.
	fill(cross, func(x, y float64) bool { return segmentDistance(x, y, 90, 150, 230, 40) <= 4 })
	// NO PREVIEW, in 7×13 letters drawn twice their size.
	const words = "NO PREVIEW"
	face := basicfont.Face7x13
	small := image.NewRGBA(image.Rect(0, 0, len(words)*face.Advance, face.Height))
	d := font.Drawer{Dst: small, Src: image.NewUniform(text), Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(words)
	big := small.Bounds().Size().Mul(2)
	at := image.Pt((w-big.X)/2, 168)
	draw.NearestNeighbor.Scale(m, image.Rectangle{Min: at, Max: at.Add(big)}, small, small.Bounds(), draw.Over, nil)
	return m
}

// segmentDistance is the distance from (x, y) to the segment from (x0, y0)
// to (x1, y1).
func segmentDistance(x, y, x0, y0, x1, y1 float64) float64 {
	dx, dy := x1-x0, y1-y0
	t := max(0, min(1, ((x-x0)*dx+(y-y0)*dy)/(dx*dx+dy*dy)))
	px, py := x0+t*dx-x, y0+t*dy-y
	return math.Hypot(px, py)
}
