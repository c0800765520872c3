package crdt

// SizeBound returns an upper bound of the bytes EncodeChange would write
// for the change tx builds, were the transaction to end now (its deps
// included). It walks the operations without encoding them, so that a
// caller can check a size limit on every commit; EncodedSize gives the
// exact size when the bound is over the limit.
func (tx *Tx) SizeBound() int {
	n := 64 + len(tx.c.Actor)
	for a := range tx.r.version { // a dep and an actor table entry each
		n += 2*(len(a)+5) + 9
	}
	for i := range tx.c.Ops {
		n += opSizeBound(&tx.c.Ops[i])
	}
	return n
}

// EncodedSize returns the bytes EncodeChange would write for the change
// tx builds, were the transaction to end now. It encodes the change.
func (tx *Tx) EncodedSize() int {
	c := *tx.c
	c.Deps = tx.r.deps()
	return len(EncodeChange(&c))
}

// opSizeBound bounds an encoded operation: its array header and kind, its
// strings and values with their headers, and three IDs, a delta and a
// count at their widest.
func opSizeBound(op *Op) int {
	n := 2 + 5*4 + len(op.Coll) + len(op.Doc) + len(op.Key) + len(op.Text) + 3*18 + 2*9
	n += valueSizeBound(op.Value) + valueSizeBound(op.Values)
	return n
}

func valueSizeBound(v any) int {
	switch x := v.(type) {
	case string:
		return 5 + len(x)
	case []any:
		n := 5
		for _, e := range x {
			n += valueSizeBound(e)
		}
		return n
	case map[string]any:
		n := 5
		for k, e := range x {
			n += 5 + len(k) + valueSizeBound(e)
		}
		return n
	}
	return 9
}
