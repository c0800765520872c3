package engine

import (
	"fmt"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

// MaxChangeBytes is the largest encoded change a transaction may make: the
// largest change the sync protocol carries (sync.DefaultLimits.MaxChange,
// 32 MiB), so that every committed change can reach a relay with default
// limits. A document of 16 MiB fits with room to spare.
var MaxChangeBytes = hsync.DefaultLimits.MaxChange

// checkOpsSize refuses ops whose change would be over MaxChangeBytes by
// their strings alone, before anything runs or is shown. Callers check
// the exact size with checkTxSize at the end of the transaction.
func checkOpsSize(ops []Op) error {
	if low, _ := opsBytes(ops); low > MaxChangeBytes {
		return changeTooLarge(low, "at least ")
	}
	return nil
}

// mayBeTooLarge reports whether checkTxSize might refuse ops: such a
// transaction is not predicted (predict.go), so that nothing of it is
// shown before the check.
func mayBeTooLarge(ops []Op) bool {
	_, high := opsBytes(ops)
	return high > MaxChangeBytes
}

// opsBytes bounds the bytes of the change ops make: low counts their
// strings, high also a generous overhead per value and key.
func opsBytes(ops []Op) (low, high int) {
	for i := range ops {
		l, h := valueBytes(ops[i].Value)
		low, high = low+l+len(ops[i].Text), high+h+len(ops[i].Text)+valueOverhead
	}
	return low, high
}

// valueOverhead bounds what an operation or a value adds to a change
// besides its strings.
const valueOverhead = 160

func valueBytes(v any) (low, high int) {
	switch x := v.(type) {
	case string:
		return len(x), len(x) + valueOverhead
	case []byte:
		return len(x), len(x) + valueOverhead
	case []any:
		low, high = 1, valueOverhead
		for _, e := range x {
			l, h := valueBytes(e)
			low, high = low+l, high+h
		}
	case map[string]any:
		low, high = 1, valueOverhead
		for k, e := range x {
			l, h := valueBytes(e)
			low, high = low+l+len(k), high+h+len(k)+valueOverhead
		}
	default:
		return 1, valueOverhead
	}
	return low, high
}

// checkTxSize refuses, inside crdt's Transact (so that nothing of it is
// applied), a transaction whose change encodes to more than
// MaxChangeBytes. The bound is cheap; only a change near the limit is
// encoded to measure it.
func checkTxSize(tx *crdt.Tx) error {
	if tx.SizeBound() <= MaxChangeBytes {
		return nil
	}
	if n := tx.EncodedSize(); n > MaxChangeBytes {
		return changeTooLarge(n, "")
	}
	return nil
}

func changeTooLarge(n int, atLeast string) error {
	return fmt.Errorf("%w: the transaction's change is %s%d bytes, over the limit of %d bytes (%d MiB); split it into smaller transactions",
		ErrChangeTooLarge, atLeast, n, MaxChangeBytes, MaxChangeBytes>>20)
}
