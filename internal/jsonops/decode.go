// Package jsonops reads the JSON text in which a commit's operations cross
// from JS to the engine (written by the npm package's encodeOps after it has
// checked every value): one string crossing instead of one syscall/js call
// per key and value. It is pure Go, so it is fuzzed natively.
//
// Values come out as jsbridge's converter gives them: map[string]any, []any,
// string, float64, bool and nil. Numbers must reach the engine as they did
// when values crossed one by one, so besides standard JSON the text may
// hold the tokens NaN, Infinity and -Infinity (JSON.stringify would write
// null): the engine, not the bridge, refuses non-finite numbers.
// encoding/json is neither needed nor linked.
package jsonops

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hearthdb/hearth/engine"
)

// MaxValueDepth is how deeply a value inside an operation may nest; the
// npm package's encodeOps and jsbridge's converter refuse deeper ones.
const MaxValueDepth = 64

// maxJSONDepth bounds nesting: an op list, an op, and a value of at most
// MaxValueDepth levels.
const maxJSONDepth = MaxValueDepth + 2

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, engine.ErrInvalidArgument)...)
}

// Decode parses text, which must hold exactly one value; malformed text,
// and text that is not UTF-8 (JS strings always are, once encoded), is an
// engine.ErrInvalidArgument.
func Decode(text string) (any, error) {
	if !utf8.ValidString(text) {
		return nil, invalid("operations are not valid JSON: the text is not UTF-8")
	}
	d := jsonDecoder{s: text}
	v, err := d.value(0)
	if err == nil && d.skipSpace() < len(d.s) {
		err = d.fail("text after the value")
	}
	return v, err
}

type jsonDecoder struct {
	s     string
	i     int
	boxed *stringCache // nil: every string is a new copy
}

// stringCache holds short strings, boxed, as a batch of operations repeats
// them (kinds, collections, ids, path keys, a typed character): in
// WebAssembly, a copy and a box each cost an allocation the collector then
// pays for, on every keystroke.
type stringCache [256]any

// shortString is the longest string the cache holds.
const shortString = 32

// get returns s boxed: the cached box if it holds s, else a new one (a
// copy of s) that replaces it.
func (c *stringCache) get(s string) any {
	if s == "" || len(s) > shortString {
		return strings.Clone(s)
	}
	slot := &c[(len(s)*31+int(s[0])*7+int(s[len(s)-1]))%len(c)]
	if v, ok := (*slot).(string); ok && v == s {
		return *slot
	}
	*slot = strings.Clone(s)
	return *slot
}

func (d *jsonDecoder) fail(what string) error {
	return invalid("operations are not valid JSON: %s at offset %d", what, d.i)
}

// skipSpace moves past JSON whitespace and returns the new offset.
func (d *jsonDecoder) skipSpace() int {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\n' || d.s[d.i] == '\r' || d.s[d.i] == '\t') {
		d.i++
	}
	return d.i
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if d.skipSpace() >= len(d.s) {
		return nil, d.fail("unexpected end")
	}
	switch d.s[d.i] {
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case '"':
		if d.boxed != nil {
			s, err := d.rawString()
			if err != nil {
				return nil, err
			}
			return d.boxed.get(s), nil
		}
		return d.string()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	default:
		return d.number()
	}
}

func (d *jsonDecoder) literal(word string, v any) (any, error) {
	if !strings.HasPrefix(d.s[d.i:], word) {
		return nil, d.fail("unknown literal")
	}
	d.i += len(word)
	return v, nil
}

func (d *jsonDecoder) object(depth int) (map[string]any, error) {
	m := map[string]any{}
	err := d.members(depth, func(k string, v any) { m[strings.Clone(k)] = v })
	return m, err
}

// members reads an object's members, calling set with each key (which may
// share memory with the text) and value.
func (d *jsonDecoder) members(depth int, set func(k string, v any)) error {
	if depth > maxJSONDepth {
		return d.fail("nesting too deep")
	}
	d.i++ // {
	if d.skipSpace() < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		if d.skipSpace() >= len(d.s) || d.s[d.i] != '"' {
			return d.fail("expected a key")
		}
		k, err := d.rawString()
		if err != nil {
			return err
		}
		if d.skipSpace() >= len(d.s) || d.s[d.i] != ':' {
			return d.fail("expected ':'")
		}
		d.i++
		v, err := d.value(depth)
		if err != nil {
			return err
		}
		set(k, v)
		if end, err := d.next('}'); end || err != nil {
			return err
		}
	}
}

func (d *jsonDecoder) array(depth int) ([]any, error) {
	if depth > maxJSONDepth {
		return nil, d.fail("nesting too deep")
	}
	d.i++ // [
	a := []any{}
	if d.skipSpace() < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if end, err := d.next(']'); end || err != nil {
			return a, err
		}
	}
}

// next consumes a ',' (false) or the closing byte (true).
func (d *jsonDecoder) next(closing byte) (bool, error) {
	if d.skipSpace() >= len(d.s) {
		return false, d.fail("unexpected end")
	}
	switch d.s[d.i] {
	case ',':
		d.i++
		return false, nil
	case closing:
		d.i++
		return true, nil
	}
	return false, d.fail("expected ',' or '" + string(closing) + "'")
}

// number reads a JSON number, or NaN, Infinity or -Infinity. JS writes
// the shortest digits that round-trip, and ParseFloat rounds correctly, so
// the float64 is the one JS had.
func (d *jsonDecoder) number() (float64, error) {
	start := d.i
	for d.i < len(d.s) && strings.IndexByte("0123456789+-.eENaIfinty", d.s[d.i]) >= 0 {
		d.i++
	}
	tok := d.s[start:d.i]
	if f, ok := smallInt(tok); ok {
		return f, nil
	}
	switch tok {
	case "NaN", "Infinity", "-Infinity":
	default:
		if tok == "" || strings.ContainsAny(tok, "NaIfinty") || (tok[0] != '-' && (tok[0] < '0' || tok[0] > '9')) {
			d.i = start
			return 0, d.fail("expected a value")
		}
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		d.i = start
		return 0, d.fail("bad number " + strconv.Quote(tok))
	}
	return f, nil
}

// smallInt reads an integer of at most 15 digits (exact in a float64), the
// common case, without ParseFloat's general algorithm. "-0" is -0.
func smallInt(tok string) (float64, bool) {
	digits := strings.TrimPrefix(tok, "-")
	if digits == "" || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	f := float64(n)
	if len(digits) < len(tok) {
		f = -f
	}
	return f, true
}

// string reads a quoted string. The result never shares memory with the
// text, so a stored value does not pin a whole transaction's text.
func (d *jsonDecoder) string() (string, error) {
	s, err := d.rawString()
	if err != nil || len(s) == 0 {
		return s, err
	}
	return strings.Clone(s), nil
}

// rawString reads a quoted string; without escapes, it is a slice of the
// text.
func (d *jsonDecoder) rawString() (string, error) {
	d.i++ // "
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			return d.s[start : d.i-1], nil
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", d.fail("control character in a string")
		}
		d.i++
	}
	return "", d.fail("unterminated string")
}

// escaped finishes a string holding escapes; s[start:d.i] has none.
func (d *jsonDecoder) escaped(start int) (string, error) {
	b := []byte(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(b), nil
		case c < 0x20:
			return "", d.fail("control character in a string")
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			break
		}
		d.i += 2
		switch e := d.s[d.i-1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.codeUnit()
			if !ok {
				return "", d.fail("bad \\u escape")
			}
			b = utf8.AppendRune(b, d.surrogates(r))
		default:
			return "", d.fail("bad escape")
		}
	}
	return "", d.fail("unterminated string")
}

// codeUnit reads the four hex digits of a \u escape.
func (d *jsonDecoder) codeUnit() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 16)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// surrogates joins a high surrogate with the \u escape of a low one after
// it. A lone surrogate (JSON.stringify escapes them) becomes U+FFFD, as
// TextEncoder made it when strings crossed one by one.
func (d *jsonDecoder) surrogates(r rune) rune {
	if !utf16.IsSurrogate(r) {
		return r
	}
	if r < 0xdc00 && strings.HasPrefix(d.s[d.i:], `\u`) {
		save := d.i
		d.i += 2
		if lo, ok := d.codeUnit(); ok {
			if c := utf16.DecodeRune(r, lo); c != utf8.RuneError {
				return c
			}
		}
		d.i = save
	}
	return utf8.RuneError
}

// Ops decodes the operations text, an array of objects, into operations:
// each object's fields straight into engine.OpFields (no map), which
// builds and checks the operation as engine.OpFromMap would from the
// object Decode reads.
func Ops(text string) ([]engine.Op, error) { return new(Decoder).Ops(text) }

// A Decoder decodes the operations texts of a batch (package Ops), sharing
// the short strings they repeat (see stringCache). It is not safe for
// concurrent use.
type Decoder struct{ boxed stringCache }

// Ops is the package's Ops.
func (dec *Decoder) Ops(text string) ([]engine.Op, error) {
	if !utf8.ValidString(text) {
		return nil, invalid("operations are not valid JSON: the text is not UTF-8")
	}
	d := jsonDecoder{s: text, boxed: &dec.boxed}
	if d.skipSpace() >= len(d.s) || d.s[d.i] != '[' {
		v, err := Decode(text)
		if err != nil {
			return nil, err
		}
		return nil, invalid("operations must be an array, got %T", v)
	}
	d.i++ // [
	var ops []engine.Op
	end := d.skipSpace() < len(d.s) && d.s[d.i] == ']'
	if end {
		d.i++
	}
	for !end {
		if d.skipSpace() >= len(d.s) || d.s[d.i] != '{' {
			v, err := d.value(1)
			if err != nil {
				return nil, err
			}
			return nil, invalid("an operation must be an object, got %T", v)
		}
		var f engine.OpFields
		if err := d.members(2, f.Set); err != nil {
			return nil, err
		}
		op, err := f.Op()
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
		if end, err = d.next(']'); err != nil {
			return nil, err
		}
	}
	if d.skipSpace() < len(d.s) {
		return nil, d.fail("text after the value")
	}
	return ops, nil
}
