package crdt

import "unicode/utf8"

// Change is the unit of replication: everything one local transaction did.
// Seq counts the actor's changes from 1 without gaps. Deps is the version
// vector of other actors' changes the author had applied (its own previous
// change, Seq-1, is implied). HLC stamps every operation of the change.
// Operations use consecutive counters starting at StartCtr: an insertion of
// n elements uses n counters, every other operation one.
type Change struct {
	Actor    ActorID
	Seq      uint64
	Deps     VersionVector
	HLC      HLC
	StartCtr uint64
	Ops      []Op
}

// OpKind says what an Op does.
type OpKind uint8

// Operation kinds. The numbers are part of the encoding: append only.
const (
	OpSet         OpKind = iota + 1 // set map field Key of Obj to the scalar Value
	OpMakeMap                       // set field Key of Obj to a new empty map
	OpMakeList                      // set field Key of Obj to a new empty list
	OpMakeText                      // set field Key of Obj to a new empty text
	OpMakeCounter                   // set field Key of Obj to a new counter worth Delta
	OpDelField                      // delete map field Key of Obj
	OpIncrement                     // add Delta to counter Obj
	OpInsertText                    // insert Text into text Obj after Ref, before Right
	OpInsertList                    // insert Values into list Obj after Ref, before Right
	OpDelete                        // delete N elements of list or text Obj from Ref on
	OpDeleteDoc                     // delete the document (an ordered tombstone; hides, erases no field)
	OpCreateDoc                     // (re)create the document, hiding top-level fields written before it
	opKindEnd
)

// Op is one operation of a change. Coll and Doc address the document; Obj
// is the object inside it (the zero ID for the document's root map; else the
// ID of the operation that created the nested map, list, text or counter).
// Which other fields matter depends on Kind.
type Op struct {
	Kind   OpKind
	Coll   string
	Doc    string
	Obj    ID
	Key    string // map field (OpSet, OpMake*, OpDelField)
	Value  any    // scalar (OpSet)
	Delta  int64  // OpIncrement, OpMakeCounter
	Ref    ID     // left origin (inserts) or first deleted element (OpDelete)
	Right  ID     // right origin (inserts)
	Text   string // OpInsertText
	Values []any  // OpInsertList: atomic values
	N      uint64 // OpDelete: number of elements
}

// width is the number of counters the operation uses.
func (o *Op) width() uint64 {
	switch o.Kind {
	case OpInsertText:
		return uint64(utf8.RuneCountInString(o.Text))
	case OpInsertList:
		return uint64(len(o.Values))
	}
	return 1
}

// width is the number of counters the change uses.
func (c *Change) width() uint64 {
	var w uint64
	for i := range c.Ops {
		w += c.Ops[i].width()
	}
	return w
}
