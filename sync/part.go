package sync

import "github.com/hearthdb/hearth/crdt"

// Part carries a piece of a change too large for one frame (protocol
// version 2, docs/PROTOCOL.md §1a): bytes [Offset, Offset+len(Chunk)) of the
// Total-byte payload of change (Actor, Seq). A change's parts travel in
// order, back to back in their direction. Client to relay, ID names the
// push: the assembled change is PUSH(ID, [change]), answered by one ACK or
// ERROR. Relay to client, ID is 0 and the assembled change is applied as a
// batch of one.
type Part struct {
	ID     uint64
	Actor  crdt.ActorID
	Seq    uint64
	Total  uint64
	Offset uint64
	Chunk  []byte
}

// Type implements Message.
func (*Part) Type() Type { return TypePart }

// partOverhead bounds the bytes of a PART frame outside its chunk: array,
// version, type, id, actor (≤ MaxIDLen), seq, total, offset and bin header.
const partOverhead = 192

// MinPart is the fewest bytes every part of a change but its last must
// carry (or MaxFrame/2, if smaller), so that a body of tiny parts cannot
// make a receiver decode millions of frames.
const MinPart = 64 << 10

// minPart is MinPart for frames of at most maxFrame bytes.
func minPart(maxFrame int) int { return max(1, min(MinPart, maxFrame/2)) }

// PartSize is the chunk size a sender uses under lim: what a frame holds
// besides the PART header.
func PartSize(lim Limits) int { return max(minPart(lim.MaxFrame), lim.MaxFrame-partOverhead) }

// MaxParts is the number of parts a change of up to lim.MaxChange bytes
// may take, at the smallest chunk a receiver accepts.
func MaxParts(lim Limits) int { return lim.MaxChange/minPart(lim.MaxFrame) + 1 }

// Fits reports whether e travels inside a batch under lim (its payload is
// within MaxPayload and leaves room in a frame); a larger change travels
// in PART frames.
func Fits(e Envelope, lim Limits) bool {
	return len(e.Payload) <= lim.MaxPayload && len(e.Payload)+len(e.Actor)+2*frameOverhead <= lim.MaxFrame
}

// Split returns the PART messages that carry e under lim, for push id
// (0 from a relay). The chunks share e.Payload's memory.
func Split(e Envelope, id uint64, lim Limits) []*Part {
	size := PartSize(lim)
	total := len(e.Payload)
	parts := make([]*Part, 0, total/size+1)
	for off := 0; off < total || off == 0; off += size {
		end := min(off+size, total)
		parts = append(parts, &Part{ID: id, Actor: e.Actor, Seq: e.Seq, Total: uint64(total), Offset: uint64(off), Chunk: e.Payload[off:end]})
		if end == total {
			break
		}
	}
	return parts
}

func (d *reader) part() Message {
	p := &Part{ID: d.uint(), Actor: crdt.ActorID(d.id()), Seq: d.uint(), Total: d.uint(), Offset: d.uint()}
	if d.err == nil && p.Total > uint64(d.lim.MaxChange) {
		d.fail(tooLarge("change %s:%d of %d bytes, limit %d", p.Actor, p.Seq, p.Total, d.lim.MaxChange))
		return nil
	}
	p.Chunk = d.raw(false, d.lim.MaxFrame)
	switch {
	case d.err != nil:
		return nil
	case p.Seq == 0:
		d.fail(malformed("part of change %s:0", p.Actor))
	case len(p.Chunk) == 0 || p.Offset > p.Total || uint64(len(p.Chunk)) > p.Total-p.Offset:
		d.fail(malformed("part [%d, +%d) of a %d-byte change", p.Offset, len(p.Chunk), p.Total))
	}
	return p
}
