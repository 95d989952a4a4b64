package server

import (
	"fmt"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Decoding a request multiplies what its lists hold before any check can
// see it: an empty message in a list is two bytes on the wire and about a
// hundred in memory, so a 16 MB push of empty mutations (15 KB gzipped)
// decodes to a gigabyte. boundedCodec reads the wire form first and
// decodes no list past bound+1 entries, counted as checkLists counts them
// (over the request, over each pushed mutation, and for batchBounds over
// the push), so checkLists still refuses the request, or the mutation
// alone, naming the field, and memory stays within a small multiple of
// the message. (A rejected mutation goes to the quarantine as it was
// decoded: cut.)
//
// What else decoding could multiply, and why it does not here:
//   - a oneof whose members alternate on the wire allocates a new member
//     each time; only the last run survives, so the others are dropped;
//   - a singular field sent many times is overwritten (a message field
//     merges into one), and unknown fields (a known field with the wrong
//     wire type among them) are kept as the raw bytes they are: what they
//     hold is no more than the message's size, and what they allocate on
//     the way (a string, or a oneof's 8-byte wrapper, per repeat) is
//     garbage of a few times its size at most;
//   - no request type is recursive or uses groups
//     (TestCodecPlansCoverEveryRequest), so protobuf's recursion limit
//     cannot be reached.

// boundedCodec is the server's codec, "proto": grpc's own proto codec,
// but for the decoding of the API's requests.
type boundedCodec struct {
	encoding.CodecV2
}

func newBoundedCodec() boundedCodec {
	return boundedCodec{encoding.GetCodecV2(grpcproto.Name)}
}

// requestBuffers hold a request while it is decoded. grpc's default pool
// has no size between 32 KiB and 1 MiB and zeroes a buffer's whole
// capacity on every Get, so each photo chunk of 32 KiB (a few bytes more
// on the wire) cleared a MiB: a 32-fold cost that was a fifth of the
// server's CPU in the photo burst (BENCHMARKS.md, the storm). With a
// size at every power of two, a buffer is at most twice its request.
var requestBuffers = func() mem.BufferPool {
	p, err := mem.NewBinaryTieredBufferPool(8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
	if err != nil {
		panic(err)
	}
	return p
}()

// Unmarshal decodes data into v. A codec's error reaches the client as
// INTERNAL, so a list past its bound is never one: it is cut, and the
// check that follows refuses it with INVALID_ARGUMENT. Malformed data
// fails as proto.Unmarshal fails on it.
func (c boundedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	plan := requestPlans[m.ProtoReflect().Descriptor().FullName()]
	if plan == nil {
		return c.CodecV2.Unmarshal(data, v) // health, reflection
	}
	buf := data.MaterializeToBuffer(requestBuffers)
	defer buf.Free()
	return unmarshalRequest(buf.ReadOnlyData(), m, plan)
}

// unmarshalRequest decodes b, a request of plan p, into m.
func unmarshalRequest(b []byte, m proto.Message, p *msgPlan) error {
	var w walker
	var c counts
	if w.message(b, p, &c) {
		return proto.Unmarshal(b, m) // the normal case: nothing to cut
	}
	if path, bad := errorPath(nil, b, p); bad {
		if err := proto.Unmarshal(path, m); err != nil {
			return err
		}
		// errorPath and protobuf disagree: go on and decode what is kept.
	}
	// Measure what is kept, then write it.
	w, c = walker{emit: true}, counts{}
	if !w.message(b, p, &c) {
		return proto.Unmarshal(b, m) // cannot be: errorPath found b well-formed
	}
	pool := requestBuffers
	out := pool.Get(w.size + 64) // and lenRoom for each message being written
	defer pool.Put(out)
	w, c = walker{emit: true, write: true, dst: (*out)[:0]}, counts{}
	w.message(b, p, &c)
	return proto.Unmarshal(w.dst, m)
}

// Limits of the plans, checked when they are made.
const (
	maxSlots  = 64 // lists a request can reach (28 today)
	maxOneofs = 4  // oneofs in one message (1 today)
	// lenRoom is what the length of a rewritten message takes at most
	// (messages are under 16 MiB), written after its content is.
	lenRoom = 5
)

// counts holds how many entries of each list (by slot) were kept.
type counts [maxSlots]int32

// msgPlan is what the walker needs of one message type.
type msgPlan struct {
	name   protoreflect.FullName
	fields []*fieldPlan // by field number; nil where there is none
	sparse map[protowire.Number]*fieldPlan
	oneofs int // real oneofs (not proto3 optional) in it
	// scan is whether decoding it can multiply: a list or a oneof lies
	// in it or below it. Other messages are passed over as they are.
	scan bool
}

func (p *msgPlan) field(num protowire.Number) *fieldPlan {
	if int(num) < len(p.fields) {
		return p.fields[num]
	}
	return p.sparse[num]
}

// fieldPlan is what the walker needs of one field: how protobuf-go
// decodes it (internal/impl/codec_tables.go) and its bounds.
type fieldPlan struct {
	wire     protowire.Type // the wire type of one value
	packable bool           // a list of numbers: values may also come packed
	utf8     bool           // a string protobuf-go checks for UTF-8
	list     bool
	msg      *msgPlan // a message field's type
	slot     int      // a list's index in counts
	bound    int32    // a list's bound (listBounds; none: 0)
	batch    int32    // a list's bound over all checkedApart entries (batchBounds), or 0
	apart    bool     // each entry is counted on its own (checkedApart)
	oneof    int      // index of its oneof, or -1
}

// accepts says whether protobuf-go decodes a value of wire type typ into
// f; any other is kept as an unknown field.
func (f *fieldPlan) accepts(typ protowire.Type) bool {
	return typ == f.wire || (f.packable && typ == protowire.BytesType)
}

// requestPlans holds the plan of every request message of the API.
var requestPlans = newPlans(requestMessages())

type planner struct {
	plans map[protoreflect.FullName]*msgPlan
	slots int
}

func newPlans(requests []protoreflect.MessageDescriptor) map[protoreflect.FullName]*msgPlan {
	pl := planner{plans: make(map[protoreflect.FullName]*msgPlan)}
	out := make(map[protoreflect.FullName]*msgPlan)
	for _, md := range requests {
		out[md.FullName()] = pl.plan(md)
	}
	return out
}

func (pl *planner) plan(md protoreflect.MessageDescriptor) *msgPlan {
	if p := pl.plans[md.FullName()]; p != nil {
		return p
	}
	p := &msgPlan{name: md.FullName(), scan: true} // scanned while in a cycle, to be safe
	pl.plans[md.FullName()] = p
	oneofs := make(map[protoreflect.FullName]int)
	for i := range md.Oneofs().Len() {
		if od := md.Oneofs().Get(i); !od.IsSynthetic() {
			oneofs[od.FullName()] = len(oneofs)
		}
	}
	if len(oneofs) > maxOneofs {
		panic(fmt.Sprintf("server: %s has %d oneofs; the codec handles %d", md.FullName(), len(oneofs), maxOneofs))
	}
	p.oneofs = len(oneofs)
	scan := p.oneofs > 0
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if fd.Kind() == protoreflect.GroupKind {
			panic(fmt.Sprintf("server: %s is a group; the codec does not handle groups", fd.FullName()))
		}
		f := &fieldPlan{wire: wireType(fd.Kind()), list: fd.IsList() || fd.IsMap(), slot: -1, oneof: -1, utf8: enforceUTF8(fd)}
		f.packable = fd.IsList() && f.wire != protowire.BytesType
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			f.oneof = oneofs[od.FullName()]
		}
		if fd.Message() != nil {
			f.msg = pl.plan(fd.Message())
			scan = scan || f.msg.scan
		}
		if f.list {
			// A map would be counted by its entries on the wire, though a
			// key sent twice decodes to one; requests have none.
			if pl.slots == maxSlots {
				panic(fmt.Sprintf("server: requests have more than %d lists; raise maxSlots", maxSlots))
			}
			f.slot = pl.slots
			pl.slots++
			f.bound = int32(listBounds[fd.FullName()])
			f.batch = int32(batchBounds[fd.FullName()])
			f.apart = checkedApart[fd.FullName()]
			scan = true
		}
		if fd.Number() < 1024 {
			for len(p.fields) <= int(fd.Number()) {
				p.fields = append(p.fields, nil)
			}
			p.fields[fd.Number()] = f
		} else {
			if p.sparse == nil {
				p.sparse = make(map[protowire.Number]*fieldPlan)
			}
			p.sparse[fd.Number()] = f
		}
	}
	p.scan = scan
	return p
}

func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Sfixed32Kind, protoreflect.Fixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Sfixed64Kind, protoreflect.Fixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// enforceUTF8 is protobuf-go's internal/strs.EnforceUTF8.
func enforceUTF8(fd protoreflect.FieldDescriptor) bool {
	if fd.Kind() != protoreflect.StringKind {
		return false
	}
	if fd.Syntax() == protoreflect.Editions {
		if e, ok := fd.(interface{ EnforceUTF8() bool }); ok {
			return e.EnforceUTF8()
		}
	}
	return fd.Syntax() == protoreflect.Proto3
}

// walker reads the wire form of a request as protobuf-go would decode
// it. Without emit it only counts, allocating nothing, and stops at the
// first thing decoding could multiply: a list entry past bound+1, a
// oneof member a later one replaces (or bytes it cannot parse, left to
// errorPath). With emit, on a message errorPath found well-formed, it
// measures the same message without those, and with write writes it to
// dst.
type walker struct {
	emit  bool
	write bool
	size  int // with emit: bytes emitted (without write: with the lengths of messages)
	dst   []byte
	apart int    // whether in an entry of a checkedApart list
	own   counts // that entry's counts
	batch counts // entries kept in all checkedApart entries, for batchBounds
}

// message walks m, one message of plan p, counting its lists' entries
// into c (the request's counts, or those of the checkedApart entry it is
// in), and says whether it got through m without stopping.
func (w *walker) message(m []byte, p *msgPlan, c *counts) bool {
	var last [maxOneofs]protowire.Number // the member each oneof holds so far
	var from [maxOneofs]int              // with emit: where each oneof's last run of one member begins
	if w.emit && p.oneofs > 0 {
		from = lastRuns(m, p)
	}
	for i := 0; i < len(m); {
		start := i
		num, typ, n := consumeTag(m[i:])
		if n < 0 {
			return false
		}
		i += n
		tag := m[start:i]
		f := p.field(num)
		if f == nil || !f.accepts(typ) {
			if n = protowire.ConsumeFieldValue(num, typ, m[i:]); n < 0 {
				return false
			}
			i += n
			w.keep(m[start:i])
			continue
		}
		v, n := consumeValue(typ, m[i:])
		if n < 0 {
			return false
		}
		i += n
		if f.oneof >= 0 {
			if w.emit && start < from[f.oneof] {
				continue // another member replaces it
			}
			if !w.emit && last[f.oneof] != 0 && last[f.oneof] != num {
				return false
			}
			last[f.oneof] = num
		}
		switch {
		case f.list && typ == protowire.BytesType && f.packable:
			all := packedCount(v, f.wire)
			keep := w.take(f, c, all)
			if keep == all {
				w.keep(m[start:i])
				break
			}
			if !w.emit {
				return false
			}
			if keep > 0 {
				w.keep(tag)
				w.bytes(v[:packedPrefix(v, f.wire, keep)])
			}
		case f.list:
			if w.take(f, c, 1) == 0 {
				if !w.emit {
					return false
				}
				break
			}
			switch {
			case f.msg == nil || !f.msg.scan:
				w.keep(m[start:i])
			case f.apart:
				// Its own counts; checkedApart lists do not nest
				// (TestCodecPlansCoverEveryRequest), so one set will do.
				w.own = counts{}
				w.apart++
				ok := w.sub(tag, v, f.msg, &w.own)
				w.apart--
				if !ok {
					return false
				}
			default:
				if !w.sub(tag, v, f.msg, c) {
					return false
				}
			}
		case f.msg != nil && f.msg.scan:
			if !w.sub(tag, v, f.msg, c) {
				return false
			}
		default:
			w.keep(m[start:i])
		}
	}
	return true
}

// sub walks v, the content of a message field whose tag is tag.
func (w *walker) sub(tag, v []byte, p *msgPlan, c *counts) bool {
	if !w.emit {
		return w.message(v, p, c)
	}
	w.keep(tag)
	if !w.write {
		before := w.size
		if !w.message(v, p, c) {
			return false
		}
		w.size += protowire.SizeVarint(uint64(w.size - before))
		return true
	}
	at := len(w.dst)
	w.dst = append(w.dst, 0, 0, 0, 0, 0) // lenRoom
	if !w.message(v, p, c) {
		return false
	}
	w.dst = putLen(w.dst, at)
	return true
}

// take counts up to n more entries of list f and returns how many of
// them are kept: at most bound+1 in c, and with batch, batch+1 in all.
func (w *walker) take(f *fieldPlan, c *counts, n int) int {
	room := int(f.bound) + 1 - int(c[f.slot])
	if w.apart > 0 && f.batch > 0 {
		room = min(room, int(f.batch)+1-int(w.batch[f.slot]))
	}
	keep := max(0, min(n, room))
	c[f.slot] += int32(keep)
	if w.apart > 0 {
		w.batch[f.slot] += int32(keep)
	}
	return keep
}

// keep emits b as it is.
func (w *walker) keep(b []byte) {
	if w.emit {
		w.size += len(b)
	}
	if w.write {
		w.dst = append(w.dst, b...)
	}
}

// bytes emits v as a length-delimited value.
func (w *walker) bytes(v []byte) {
	if w.emit {
		w.size += protowire.SizeBytes(len(v))
	}
	if w.write {
		w.dst = protowire.AppendBytes(w.dst, v)
	}
}

// lastRuns returns, for each oneof of p, where in m the last run of
// fields of one member begins: protobuf-go merges repeats of a member and
// replaces the oneof when another member comes, so only that run counts.
func lastRuns(m []byte, p *msgPlan) (from [maxOneofs]int) {
	var last [maxOneofs]protowire.Number
	for i := 0; i < len(m); {
		start := i
		num, typ, n := consumeTag(m[i:])
		if n < 0 {
			break
		}
		i += n
		if f := p.field(num); f != nil && f.oneof >= 0 && f.accepts(typ) && last[f.oneof] != num {
			from[f.oneof], last[f.oneof] = start, num
		}
		if n = protowire.ConsumeFieldValue(num, typ, m[i:]); n < 0 {
			break
		}
		i += n
	}
	return from
}

// errorPath finds where proto.Unmarshal fails on m, a message of plan p,
// if it does. It then appends to dst a message on which proto.Unmarshal
// fails with the same error and at once: the fields that lead down to
// the failing one, and that one with the rest of its message. It checks
// what protobuf-go checks (internal/impl/decode.go), in the same order.
func errorPath(dst, m []byte, p *msgPlan) ([]byte, bool) {
	for i := 0; i < len(m); {
		start := i
		num, typ, n := consumeTag(m[i:])
		if n < 0 {
			return append(dst, m[start:]...), true
		}
		i += n
		tag := m[start:i]
		f := p.field(num)
		if f == nil || !f.accepts(typ) {
			if n = protowire.ConsumeFieldValue(num, typ, m[i:]); n < 0 {
				return append(dst, m[start:]...), true
			}
			i += n
			continue
		}
		v, n := consumeValue(typ, m[i:])
		if n < 0 {
			return append(dst, m[start:]...), true
		}
		i += n
		switch {
		case f.packable && typ == protowire.BytesType:
			if at := badPacked(v, f.wire); at >= 0 {
				// Only the bad value, not the millions before it.
				dst = append(dst, tag...)
				return protowire.AppendBytes(dst, v[at:min(len(v), at+maxVarintLen)]), true
			}
		case f.utf8 && !utf8.Valid(v):
			return append(dst, m[start:i]...), true
		case f.msg != nil:
			mark := len(dst)
			dst = append(dst, tag...)
			at := len(dst)
			dst = append(dst, 0, 0, 0, 0, 0) // lenRoom
			var bad bool
			if dst, bad = errorPath(dst, v, f.msg); bad {
				return putLen(dst, at), true
			}
			dst = dst[:mark]
		}
	}
	return dst, false
}

const maxVarintLen = 10

// putLen writes, at dst[at:at+lenRoom], the length of what follows, and
// moves that up to it.
func putLen(dst []byte, at int) []byte {
	size := len(dst) - at - lenRoom
	n := protowire.SizeVarint(uint64(size))
	copy(dst[at+n:], dst[at+lenRoom:])
	protowire.AppendVarint(dst[at:at], uint64(size))
	return dst[:len(dst)-lenRoom+n]
}

// consumeTag reads a field's tag as protobuf-go does: a field number out
// of range, or the end of a group that was never opened, is malformed.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 || v>>3 < uint64(protowire.MinValidNumber) || v>>3 > uint64(protowire.MaxValidNumber) {
		return 0, 0, -1
	}
	typ := protowire.Type(v & 7)
	if typ == protowire.EndGroupType {
		return 0, 0, -1
	}
	return protowire.Number(v >> 3), typ, n
}

// consumeValue reads one value of wire type typ (one accepts allowed),
// returning a length-delimited value's content.
func consumeValue(typ protowire.Type, b []byte) ([]byte, int) {
	var n int
	switch typ {
	case protowire.VarintType:
		_, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		_, n = protowire.ConsumeFixed32(b)
	case protowire.Fixed64Type:
		_, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		return protowire.ConsumeBytes(b)
	default:
		n = -1
	}
	return nil, n
}

// packedCount is how many values a packed list holds, counted as
// protobuf-go counts them to size the list.
func packedCount(v []byte, wire protowire.Type) int {
	switch wire {
	case protowire.Fixed32Type:
		return len(v) / 4
	case protowire.Fixed64Type:
		return len(v) / 8
	}
	n := 0
	for _, c := range v {
		if c < 0x80 {
			n++
		}
	}
	return n
}

// packedPrefix is the length of the first n values of packed list v.
func packedPrefix(v []byte, wire protowire.Type, n int) int {
	switch wire {
	case protowire.Fixed32Type:
		return 4 * n
	case protowire.Fixed64Type:
		return 8 * n
	}
	for i, c := range v {
		if c < 0x80 {
			if n--; n == 0 {
				return i + 1
			}
		}
	}
	return len(v)
}

// badPacked returns where in packed list v the value protobuf-go fails
// on begins, or -1.
func badPacked(v []byte, wire protowire.Type) int {
	switch wire {
	case protowire.Fixed32Type:
		if r := len(v) % 4; r != 0 {
			return len(v) - r
		}
		return -1
	case protowire.Fixed64Type:
		if r := len(v) % 8; r != 0 {
			return len(v) - r
		}
		return -1
	}
	for i := 0; i < len(v); {
		_, n := protowire.ConsumeVarint(v[i:])
		if n < 0 {
			return i
		}
		i += n
	}
	return -1
}
