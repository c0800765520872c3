package crdt

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"math"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Sequence snapshot: the runs, coalesced canonically (adjacent runs merge
// when they continue each other), as columns of varints so that a long
// typing session costs a few bytes per run, not per character:
//
//	[flags, actors, ctrs, lens, lefts, rights: bin, content]
//
// flags has one byte per run: bit 0 deleted; bits 1-2 the left origin
// (0 none, 1 the previous run's last element, 2 explicit in lefts); bits
// 3-4 the right origin (0 none, 1 the next run's first element, 2 explicit
// in rights). actors holds table indexes, ctrs the counter delta from the
// previous run (zigzag), lens the run lengths; an explicit origin is an
// actor index + 1 and a zigzag counter delta from the run's own counter.
// content is the visible text as one string, or the visible list elements
// as one array. Deleted elements keep their IDs but not their content.

type segment struct {
	id, left, right ID
	n               int
	deleted         bool
}

// segments returns the canonical runs of s and the visible content.
func segments[T any](s *seq[T]) ([]segment, []T) {
	var segs []segment
	vals := make([]T, 0, s.vis)
	s.each(func(r *run[T]) {
		if k := len(segs) - 1; k >= 0 {
			p := &segs[k]
			if p.deleted == r.deleted && p.right == r.right && p.id.add(p.n) == r.id && r.left == p.id.add(p.n-1) {
				p.n += r.n
				if !r.deleted {
					vals = append(vals, r.vals...)
				}
				return
			}
		}
		segs = append(segs, segment{id: r.id, left: r.left, right: r.right, n: r.n, deleted: r.deleted})
		if !r.deleted {
			vals = append(vals, r.vals...)
		}
	})
	return segs, vals
}

type columns struct {
	flags, actors, ctrs, lens, lefts, rights []byte
}

func zigzag(d int64) uint64 { return uint64(d<<1) ^ uint64(d>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func (cs *columns) origin(col *[]byte, t *actorTable, id ID, base uint64) {
	*col = binary.AppendUvarint(*col, uint64(t.of(id.Actor))+1)
	*col = binary.AppendUvarint(*col, zigzag(int64(id.Ctr-base)))
}

func encodeSegments(segs []segment, t *actorTable) *columns {
	cs := &columns{}
	var prevCtr uint64
	for i, g := range segs {
		var f byte
		if g.deleted {
			f |= 1
		}
		switch {
		case g.left.IsZero():
		case i > 0 && segs[i-1].id.add(segs[i-1].n-1) == g.left:
			f |= 1 << 1
		default:
			f |= 2 << 1
			cs.origin(&cs.lefts, t, g.left, g.id.Ctr)
		}
		switch {
		case g.right.IsZero():
		case i+1 < len(segs) && segs[i+1].id == g.right:
			f |= 1 << 3
		default:
			f |= 2 << 3
			cs.origin(&cs.rights, t, g.right, g.id.Ctr)
		}
		cs.flags = append(cs.flags, f)
		cs.actors = binary.AppendUvarint(cs.actors, uint64(t.of(g.id.Actor)))
		cs.ctrs = binary.AppendUvarint(cs.ctrs, zigzag(int64(g.id.Ctr-prevCtr)))
		cs.lens = binary.AppendUvarint(cs.lens, uint64(g.n))
		prevCtr = g.id.Ctr
	}
	return cs
}

func (w *writer) text(s *seq[rune], t *actorTable) {
	segs, vals := segments(s)
	body := newWriter()
	body.columns(encodeSegments(segs, t))
	body.str(string(vals))
	w.seqBody(body.buf)
}

func (w *writer) list(s *seq[any], t *actorTable) {
	segs, vals := segments(s)
	body := newWriter()
	body.columns(encodeSegments(segs, t))
	body.value(vals)
	w.seqBody(body.buf)
}

// compressMin is the size from which a sequence body is DEFLATE-compressed
// (like Automerge's columns); smaller bodies are written inline.
const compressMin = 256

// seqBody writes a sequence's msgpack body inline, or compressed as bin.
func (w *writer) seqBody(body []byte) {
	if len(body) < compressMin {
		w.buf = append(w.buf, body...)
		return
	}
	var z bytes.Buffer
	deflate(&z, body)
	w.bin(z.Bytes())
}

// flateWriters keeps DEFLATE writers for reuse: each holds several hundred
// KB of tables, which a fresh one per document snapshot would allocate and
// the collector then sweep, on every commit that writes a document whole.
var flateWriters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return fw
}}

// deflate appends the DEFLATE compression of each of bodies, as one stream,
// to z.
func deflate(z *bytes.Buffer, bodies ...[]byte) {
	fw := flateWriters.Get().(*flate.Writer)
	fw.Reset(z)
	for _, b := range bodies {
		_, _ = fw.Write(b)
	}
	_ = fw.Close()
	flateWriters.Put(fw)
}

// maxInflate bounds how much a compressed body may expand, per input byte:
// DEFLATE's own maximum (a 258-byte match per two bits, about 1032:1), so
// that every body seqBody writes loads back (a long run of one character
// compresses that well), and a forged one still inflates to a bounded size.
const maxInflate = 1040

// seqBody returns the reader to parse a sequence body from: r itself, or
// a reader over the inflated bytes.
func (r *reader) seqBody() *reader {
	if r.err != nil {
		return r
	}
	c, err := r.dec.PeekCode()
	if r.wrap(err); r.err != nil || !msgpcode.IsBin(c) {
		return r
	}
	z := r.bin()
	limit := int64(len(z))*maxInflate + 1024
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), limit+1))
	switch {
	case err != nil:
		r.fail("inflate: %v", err)
	case int64(len(out)) > limit:
		r.fail("compressed body expands too much")
	case len(out) < compressMin:
		r.fail("compressed body too small")
	}
	if r.err != nil {
		return r
	}
	return newReader(out)
}

// join takes over the error of a sub-reader from seqBody, which must have
// been read to its end.
func (r *reader) join(sub *reader) {
	if sub != r {
		sub.end()
		if r.err == nil {
			r.err = sub.err
		}
	}
}

func (w *writer) columns(cs *columns) {
	w.array(7)
	for _, c := range [][]byte{cs.flags, cs.actors, cs.ctrs, cs.lens, cs.lefts, cs.rights} {
		w.bin(c)
	}
}

// varints reads uvarints from a column.
type varints struct {
	b   []byte
	bad bool
}

func (v *varints) next() uint64 {
	x, n := binary.Uvarint(v.b)
	if n <= 0 {
		v.bad = true
		return 0
	}
	v.b = v.b[n:]
	return x
}

func (r *reader) segments(actors []ActorID) []segment {
	r.arrayExact(7)
	flags := r.bin()
	cols := [5]varints{}
	for i := range cols {
		cols[i].b = r.bin()
	}
	if r.err == nil && len(actors) == 0 {
		r.fail("no actors")
	}
	if r.err != nil {
		return nil
	}
	segs := make([]segment, len(flags))
	actor := func(x uint64) ActorID {
		if x >= uint64(len(actors)) {
			cols[0].bad = true
			return actors[0]
		}
		return actors[x]
	}
	if !r.decodeSegments(segs, flags, &cols, actor) {
		return nil
	}
	for i := range cols {
		if cols[i].bad || len(cols[i].b) != 0 {
			r.fail("bad column %d", i)
		}
	}
	resolveOrigins(segs, flags)
	return segs
}

// decodeSegments fills segs from the flag byte and varint columns.
func (r *reader) decodeSegments(segs []segment, flags []byte, cols *[5]varints, actor func(uint64) ActorID) bool {
	var ctr uint64
	total := 0
	for i, f := range flags {
		g := &segs[i]
		g.deleted = f&1 != 0
		g.id.Actor = actor(cols[0].next())
		ctr += uint64(unzigzag(cols[1].next()))
		g.id.Ctr = ctr
		n := cols[2].next()
		if n == 0 || n > math.MaxInt32 || total+int(n) > math.MaxInt32 || f>>5 != 0 {
			r.fail("bad run %d", i)
			return false
		}
		g.n = int(n)
		total += g.n
		g.left = r.origin(&cols[3], f>>1&3, actor, ctr)
		g.right = r.origin(&cols[4], f>>3&3, actor, ctr)
	}
	return true
}

func (r *reader) origin(col *varints, kind byte, actor func(uint64) ActorID, base uint64) ID {
	if kind != 2 {
		if kind == 3 {
			col.bad = true
		}
		return ID{}
	}
	a := col.next()
	if a == 0 {
		col.bad = true
		return ID{}
	}
	return ID{actor(a - 1), base + uint64(unzigzag(col.next()))}
}

// resolveOrigins fills in origins encoded as "previous" or "next" run.
func resolveOrigins(segs []segment, flags []byte) {
	for i, f := range flags {
		if f>>1&3 == 1 && i > 0 {
			segs[i].left = segs[i-1].id.add(segs[i-1].n - 1)
		}
		if f>>3&3 == 1 && i+1 < len(segs) {
			segs[i].right = segs[i+1].id
		}
	}
}

// buildSeq makes a sequence from decoded runs and visible content.
func buildSeq[T any](segs []segment, vals []T) (*seq[T], bool) {
	s := newSeq[T]()
	for _, g := range segs {
		r := &run[T]{id: g.id, left: g.left, right: g.right, n: g.n, deleted: g.deleted}
		if !g.deleted {
			if len(vals) < g.n {
				return nil, false
			}
			r.vals, vals = vals[:g.n:g.n], vals[g.n:]
		}
		s.appendLoaded(r)
	}
	if len(vals) != 0 || !s.indexLoaded() {
		return nil, false
	}
	return s, true
}

// appendLoaded appends a run while loading; the ID index is built after.
func (s *seq[T]) appendLoaded(r *run[T]) {
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1].runs) >= chunkMax*3/4 {
		s.insertChunk(n, &chunk[T]{runs: make([]*run[T], 0, chunkMax+1)})
	}
	c := s.chunks[len(s.chunks)-1]
	c.runs = append(c.runs, r)
	r.ch = c
	c.vis += r.vis()
	c.all += r.n
	s.vis += r.vis()
	s.all += r.n
}

// indexLoaded builds the ID index of a loaded sequence; false if two runs
// overlap or an origin does not exist.
func (s *seq[T]) indexLoaded() bool {
	by := map[ActorID][]*run[T]{}
	s.each(func(r *run[T]) { by[r.id.Actor] = append(by[r.id.Actor], r) })
	for a, runs := range by {
		sort.Slice(runs, func(i, j int) bool { return runs[i].id.Ctr < runs[j].id.Ctr })
		for i, r := range runs {
			if r.id.Ctr == 0 || r.id.Ctr+uint64(r.n) < r.id.Ctr ||
				(i > 0 && runs[i-1].id.Ctr+uint64(runs[i-1].n) > r.id.Ctr) {
				return false
			}
		}
		x := &idIndex[T]{}
		for i := 0; i < len(runs); i += idBlockMax / 2 {
			x.blocks = append(x.blocks, append([]*run[T](nil), runs[i:min(i+idBlockMax/2, len(runs))]...))
		}
		s.index[a] = x
	}
	s.lastActor, s.lastIdx = "", nil // index[a] replaced
	ok := true
	s.each(func(r *run[T]) {
		if (!r.left.IsZero() && s.lookup(r.left) == nil) || (!r.right.IsZero() && s.lookup(r.right) == nil) {
			ok = false
		}
	})
	return ok
}

func (r *reader) textSeq(actors []ActorID) *seq[rune] {
	br := r.seqBody()
	segs := br.segments(actors)
	content := br.str()
	r.join(br)
	if r.err != nil {
		return nil
	}
	if !utf8.ValidString(content) {
		r.fail("text is not valid UTF-8")
		return nil
	}
	s, ok := buildSeq(segs, []rune(content))
	if !ok {
		r.fail("text runs do not match their content")
	}
	return s
}

func (r *reader) listSeq(actors []ActorID) *seq[any] {
	br := r.seqBody()
	segs := br.segments(actors)
	vals, ok := br.value(0, true).([]any)
	r.join(br)
	if r.err != nil {
		return nil
	}
	if !ok {
		r.fail("list content is not an array")
		return nil
	}
	s, ok := buildSeq(segs, vals)
	if !ok {
		r.fail("list runs do not match their content")
	}
	return s
}
