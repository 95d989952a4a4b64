package phonesim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
)

// Photos are real JPEGs: encoding one per photo would cost a storm of 200
// phones minutes of CPU, so a small pool of base images is encoded once
// per size range, and each photo is a base image with its own comment
// (COM) segments — the photo's id, bytes from the seed, and padding up to
// the photo's size — right after the JFIF header. Every photo has its own
// hash and decodes as the base image. Its bytes are built when needed, so
// a phone holds a day of photos in a few KB.
const (
	// poolImages is how many base images a size range gets: close enough
	// that the padding is a few per cent of a photo.
	poolImages = 24
	// jpegQuality is a phone camera's usual setting.
	jpegQuality = 85
	// maxCOMPayload is the most one COM segment carries (its length field
	// counts itself).
	maxCOMPayload = 65535 - 2
	// tagBytes are the comment bytes that make a photo unique: its id (36)
	// and 28 bytes from the seed.
	tagBytes = 64
)

// jfifHead is SOI and a JFIF APP0 segment, as a camera's file starts.
var jfifHead = []byte{
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00,
}

// basePool is a size range's base images, smallest first, each without
// its SOI (jfifHead brings one).
type basePool struct {
	images [][]byte
}

var pools struct {
	sync.Mutex
	byRange map[[2]int]*basePool
}

// poolFor returns the base images of photos of minBytes–maxBytes, made on
// first use.
func poolFor(minBytes, maxBytes int) *basePool {
	pools.Lock()
	defer pools.Unlock()
	key := [2]int{minBytes, maxBytes}
	if p := pools.byRange[key]; p != nil {
		return p
	}
	if pools.byRange == nil {
		pools.byRange = map[[2]int]*basePool{}
	}
	p := newPool(minBytes, maxBytes)
	pools.byRange[key] = p
	return p
}

// newPool encodes base images whose sizes step evenly (geometrically)
// from a little under minBytes up to maxBytes, and the smallest JPEG, so
// that any size in the range is a base image plus a little padding.
func newPool(minBytes, maxBytes int) *basePool {
	rng := rand.New(rand.NewPCG(uint64(minBytes), uint64(maxBytes)))
	p := &basePool{images: [][]byte{encodeBase(rng, 8, 8)}}
	lo := float64(minBytes) * 0.9
	hi := float64(maxBytes)
	if lo < float64(len(p.images[0]))*2 {
		lo = float64(len(p.images[0])) * 2
	}
	if lo >= hi {
		return p
	}
	// Bytes per pixel of this kind of image, measured once.
	probe := encodeBase(rng, 256, 192)
	perPixel := float64(len(probe)) / (256 * 192)
	for i := range poolImages {
		target := lo * math.Pow(hi/lo, float64(i)/float64(poolImages-1))
		pixels := target / perPixel
		w := int(math.Sqrt(pixels * 4 / 3))
		h := max(8, int(pixels)/max(w, 1))
		img := encodeBase(rng, max(w, 8), h)
		if len(img) <= maxBytes {
			p.images = append(p.images, img)
		}
	}
	sort.Slice(p.images, func(i, j int) bool { return len(p.images[i]) < len(p.images[j]) })
	return p
}

// encodeBase encodes a w×h picture — a sky-to-ground gradient, some
// shapes, and sensor noise, which is what keeps a photo from compressing
// — and returns the JPEG without its SOI marker.
func encodeBase(rng *rand.Rand, w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	fx, fy := 0.02+0.05*rng.Float64(), 0.02+0.05*rng.Float64()
	for y := range h {
		for x := range w {
			v := 60 + 120*float64(y)/float64(h) + 30*math.Sin(float64(x)*fx)*math.Cos(float64(y)*fy)
			v += rng.NormFloat64() * 18
			img.Y[img.YOffset(x, y)] = clamp8(v)
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			i := img.COffset(2*x, 2*y)
			img.Cb[i] = clamp8(128 + 20*math.Sin(float64(x)*fx*3) + rng.NormFloat64()*6)
			img.Cr[i] = clamp8(128 + 15*math.Cos(float64(y)*fy*3) + rng.NormFloat64()*6)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		panic(fmt.Sprintf("phonesim: encode a base image: %v", err)) // writes to memory; cannot fail
	}
	return buf.Bytes()[2:] // without SOI
}

func clamp8(v float64) uint8 {
	return uint8(max(0, min(255, v)))
}

// jpegPhoto is how a photo's bytes are built: jfifHead, COM segments
// (the tag, then padding from padSeed), then a base image.
type jpegPhoto struct {
	base    []byte
	tag     [tagBytes]byte
	padSeed [32]byte
	comLen  int // bytes of COM segments, markers and lengths included
}

// newJPEGPhoto picks the base image and padding for a photo of size
// bytes (at least minPhotoBytes).
func newJPEGPhoto(pool *basePool, rng *rand.Rand, id string, size int) *jpegPhoto {
	jp := &jpegPhoto{}
	copy(jp.tag[:], id)
	for i := len(id); i < tagBytes; i++ {
		jp.tag[i] = byte(rng.Uint32())
	}
	for i := range 4 {
		binary.LittleEndian.PutUint64(jp.padSeed[8*i:], rng.Uint64())
	}
	// The largest base image that leaves room for one COM segment and
	// the tag; the smallest when none does.
	jp.base = pool.images[0]
	for _, b := range pool.images {
		if len(jfifHead)+4+tagBytes+len(b) <= size {
			jp.base = b
		}
	}
	jp.comLen = max(size-len(jfifHead)-len(jp.base), 4+tagBytes)
	return jp
}

// size is the photo's length in bytes.
func (jp *jpegPhoto) size() int { return len(jfifHead) + jp.comLen + len(jp.base) }

// bytes builds the photo. The COM bytes split evenly into as few
// segments as hold them; the first starts with the tag.
func (jp *jpegPhoto) bytes() []byte {
	out := make([]byte, 0, jp.size())
	out = append(out, jfifHead...)
	pad := rand.NewChaCha8(jp.padSeed)
	k := (jp.comLen + maxCOMPayload + 4 - 1) / (maxCOMPayload + 4)
	payload := jp.comLen - 4*k
	for i := range k {
		n := payload / k
		if i < payload%k {
			n++
		}
		out = append(out, 0xFF, 0xFE, byte((n+2)>>8), byte(n+2))
		start := len(out)
		out = append(out, make([]byte, n)...)
		_, _ = pad.Read(out[start:])
		if i == 0 {
			copy(out[start:], jp.tag[:])
		}
	}
	return append(out, jp.base...)
}

// hashOf is data's SHA-256 in lower-case hex.
func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
