package engine

import "unicode/utf16"

// rebaseRange moves the UTF-16 range [start, end) of base onto current, the
// same text after edits the caller had not seen, and returns it as one or
// two ranges of current, in order. Those edits are taken as one splice: the
// longest common prefix and suffix stay, the middle was replaced. A
// position in the common prefix stays, one in the common suffix shifts by
// the change in length, and one inside the replaced middle goes to its end,
// so an insertion there lands after the other edit. A range that spans the
// replaced middle splits around it, so a deletion never removes text the
// caller did not see.
func rebaseRange(base, current string, start, end int) [][2]int {
	b, c := utf16.Encode([]rune(base)), utf16.Encode([]rune(current))
	prefix := 0
	for prefix < len(b) && prefix < len(c) && b[prefix] == c[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(b)-prefix && suffix < len(c)-prefix && b[len(b)-1-suffix] == c[len(c)-1-suffix] {
		suffix++
	}
	removedEnd := len(b) - suffix // base's middle is [prefix, removedEnd)
	shift := len(c) - len(b)
	move := func(i int) int {
		switch {
		case i <= prefix:
			return i
		case i >= removedEnd:
			return i + shift
		default:
			return removedEnd + shift
		}
	}
	s, e := move(start), move(end)
	if start < prefix && end > removedEnd && removedEnd+shift > prefix {
		return [][2]int{{s, prefix}, {removedEnd + shift, e}}
	}
	return [][2]int{{s, e}}
}
