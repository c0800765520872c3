package engine

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// liveText is a text of a loaded document that keystrokes edit in place:
// a gap buffer of its UTF-8 bytes, with how many code points and UTF-16
// units it holds and a cursor where the last edit was. A Go string cannot
// change, so splicing one copies the whole text; a keystroke in a 100 KB
// note would copy 100 KB, twice (once to find where, once to splice). The
// gap buffer moves only the bytes between the last edit and this one, and
// the cursor finds the position from the last one: typing costs what it
// changes. The string is built only when a reader asks for the document's
// value (values.go).
type liveText struct {
	path []string
	buf  []byte // the text is buf[:gap] + buf[gapEnd:]
	gap  int
	end  int // gapEnd
	size textPos
	at   textPos // the cursor: a position the last edit left known
}

// textPos is a position in a text: a code point boundary, counted in bytes,
// code points and UTF-16 units from the start.
type textPos struct{ bytes, runes, units int }

func newLiveText(path []string, s string) *liveText {
	t := &liveText{path: path, buf: make([]byte, len(s), len(s)+len(s)/4+64)}
	copy(t.buf, s)
	t.buf = t.buf[:cap(t.buf)]
	t.gap, t.end = len(s), len(t.buf)
	t.size = measure(s)
	t.at = t.size
	return t
}

// measure counts s's code points and UTF-16 units.
func measure(s string) textPos {
	p := textPos{bytes: len(s)}
	n := asciiPrefix(s, len(s))
	p.runes, p.units = n, n
	for _, r := range s[n:] {
		p.runes++
		p.units += unitsOf(r)
	}
	return p
}

func unitsOf(r rune) int {
	if r >= 0x10000 {
		return 2 // a surrogate pair
	}
	return 1
}

// String returns the text.
func (t *liveText) String() string {
	var b strings.Builder
	b.Grow(t.size.bytes)
	b.Write(t.buf[:t.gap])
	b.Write(t.buf[t.end:])
	return b.String()
}

// ascii reports whether every character is one byte and one unit, so that
// positions need no counting.
func (t *liveText) ascii() bool { return t.size.bytes == t.size.units }

// runeAt decodes the code point starting at byte offset i (< size.bytes);
// the gap always sits on a code point boundary.
func (t *liveText) runeAt(i int) (rune, int) {
	if i < t.gap {
		return utf8.DecodeRune(t.buf[i:t.gap])
	}
	return utf8.DecodeRune(t.buf[i-t.gap+t.end:])
}

// runeBefore decodes the code point ending at byte offset i (> 0).
func (t *liveText) runeBefore(i int) (rune, int) {
	if i <= t.gap {
		return utf8.DecodeLastRune(t.buf[:i])
	}
	return utf8.DecodeLastRune(t.buf[t.end : i-t.gap+t.end])
}

// seek returns the position whose coordinate (runes, or units when
// inUnits) is n, walking from the cursor or from whichever end is closer;
// false when n is past the end or, in units, inside a surrogate pair.
func (t *liveText) seek(n int, inUnits bool) (textPos, bool) {
	if limit := t.size.runes; n < 0 || n > limit && !inUnits || n > t.size.units {
		return textPos{}, false
	}
	if t.ascii() || !inUnits && t.size.runes == t.size.bytes {
		return textPos{n, n, n}, true
	}
	coord := func(p textPos) int {
		if inUnits {
			return p.units
		}
		return p.runes
	}
	p := t.at
	if d := coord(p) - n; d > n {
		p = textPos{}
	} else if -d > coord(t.size)-n {
		p = t.size
	}
	for coord(p) < n {
		r, size := t.runeAt(p.bytes)
		p = textPos{p.bytes + size, p.runes + 1, p.units + unitsOf(r)}
	}
	for coord(p) > n {
		r, size := t.runeBefore(p.bytes)
		p = textPos{p.bytes - size, p.runes - 1, p.units - unitsOf(r)}
	}
	t.at = p
	return p, coord(p) == n
}

// codePoints converts a UTF-16 position to code points, as codePoints
// does for a string.
func (t *liveText) codePoints(units int) (int, error) {
	if t.size.units == t.size.runes && units >= 0 && units <= t.size.units {
		return units, nil // no surrogate pairs: a unit is a code point
	}
	p, ok := t.seek(units, true)
	if !ok {
		return 0, fmt.Errorf("text position %d is past the end or inside a character: %w", units, ErrInvalidArgument)
	}
	return p.runes, nil
}

// splice deletes del code points at code point index and inserts ins
// there, as the CRDT does to the text; false when the range is past the
// end (the text is then unchanged).
func (t *liveText) splice(index, del int, ins string) bool {
	from, ok := t.seek(index, false)
	if !ok || index+del > t.size.runes {
		return false
	}
	t.moveGap(from.bytes)
	gone := textPos{}
	for ; gone.runes < del; gone.runes++ {
		r, size := utf8.DecodeRune(t.buf[t.end:])
		t.end += size
		gone.bytes += size
		gone.units += unitsOf(r)
	}
	added := measure(ins)
	if t.end-t.gap < len(ins) {
		t.grow(len(ins))
	}
	t.gap += copy(t.buf[t.gap:], ins)
	t.size = textPos{t.size.bytes - gone.bytes + added.bytes, t.size.runes - gone.runes + added.runes, t.size.units - gone.units + added.units}
	t.at = textPos{from.bytes + added.bytes, from.runes + added.runes, from.units + added.units}
	return true
}

// moveGap puts the gap at byte offset i.
func (t *liveText) moveGap(i int) {
	switch {
	case i < t.gap:
		n := copy(t.buf[t.end-(t.gap-i):t.end], t.buf[i:t.gap])
		t.gap, t.end = i, t.end-n
	case i > t.gap:
		n := copy(t.buf[t.gap:], t.buf[t.end:t.end+i-t.gap])
		t.gap, t.end = t.gap+n, t.end+n
	}
}

// grow makes room for at least n more bytes in the gap.
func (t *liveText) grow(n int) {
	size := max(2*len(t.buf), t.size.bytes+n+64)
	buf := make([]byte, size)
	copy(buf, t.buf[:t.gap])
	tail := len(t.buf) - t.end
	copy(buf[size-tail:], t.buf[t.end:])
	t.buf, t.end = buf, size-tail
}

// is reports whether the text is s.
func (t *liveText) is(s string) bool {
	return len(s) == t.size.bytes && string(t.buf[:t.gap]) == s[:t.gap] && string(t.buf[t.end:]) == s[t.gap:]
}
