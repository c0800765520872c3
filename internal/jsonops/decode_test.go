package jsonops

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearthdb/hearth/engine"
)

// NaN and the infinities cross as bare tokens, so the engine, not the
// bridge, refuses them (as it did when numbers crossed one by one).
func TestDecodeJSONNonFiniteTokens(t *testing.T) {
	got, err := Decode(`[NaN, Infinity, -Infinity, -0, 12, -7, 123456789012345678, 1.25e-3]`)
	if err != nil {
		t.Fatal(err)
	}
	l := got.([]any)
	if !math.IsNaN(l[0].(float64)) || !math.IsInf(l[1].(float64), 1) || !math.IsInf(l[2].(float64), -1) {
		t.Errorf("non-finite tokens = %v", l[:3])
	}
	if f := l[3].(float64); f != 0 || !math.Signbit(f) {
		t.Errorf("-0 = %v (sign %v)", f, math.Signbit(f))
	}
	if want := []any{12.0, -7.0, 123456789012345678.0, 1.25e-3}; !reflect.DeepEqual(l[4:], want) {
		t.Errorf("numbers = %v, want %v", l[4:], want)
	}
}

func TestDecodeJSONRejectsMalformedText(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if _, err := Decode(deep(maxJSONDepth)); err != nil {
		t.Errorf("nesting of %d: %v", maxJSONDepth, err)
	}
	bad := []string{
		"", " ", "[", "]", "{", `{"a"}`, `{"a":}`, `{"a":1,}`, `{a:1}`, "[1,]", "[1 2]", "1 2", "nul", "tru",
		`"abc`, `"a\x"`, `"\u12"`, `"\uzzzz"`, "\"a\nb\"", "+1", ".5", "1e400", "Inf", "NaNx", "-", "--1", "[1]x",
		deep(maxJSONDepth + 1),
	}
	for _, text := range bad {
		if v, err := Decode(text); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("Decode(%q) = %v, %v; want an InvalidArgumentError", text, v, err)
		}
	}
}

// eachOp collects what EachOp calls its function with.
func eachOp(text string) ([]map[string]any, error) {
	var ops []map[string]any
	err := EachOp(text, func(m map[string]any) error {
		ops = append(ops, maps.Clone(m))
		return nil
	})
	return ops, err
}

func TestJSONOpsWantsAnArrayOfObjects(t *testing.T) {
	ops, err := eachOp(` [{"kind":"put","collection":"c","value":{"id":"a","n":1}},{"kind":"delete","collection":"c","id":"b"}] `)
	if err != nil || len(ops) != 2 || ops[0]["value"].(map[string]any)["n"] != 1.0 || ops[1]["id"] != "b" || ops[1]["value"] != nil {
		t.Fatalf("EachOp = %v, %v", ops, err)
	}
	if ops, err := eachOp("[ ]"); err != nil || len(ops) != 0 {
		t.Fatalf("EachOp([ ]) = %v, %v", ops, err)
	}
	for _, text := range []string{`{}`, `"x"`, `[1]`, `[{}, null]`, `[{}`, `[{},]`, `[{}] x`, "[{}]\xff", ``} {
		if _, err := eachOp(text); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("EachOp(%s) error = %v, want InvalidArgument", text, err)
		}
	}
}

// FuzzEachOp: EachOp reads exactly the texts Decode reads as an array of
// objects, with the same objects.
func FuzzEachOp(f *testing.F) {
	for _, seed := range []string{`[{"kind":"put","collection":"c","value":{"id":"a"}},{"kind":"delete"}]`, `[]`, `[{}, 1]`, `[{"a":[{}]}]`, `{}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := eachOp(text)
		v, derr := Decode(text)
		list, isList := v.([]any)
		var want []map[string]any
		for _, e := range list {
			m, ok := e.(map[string]any)
			isList = isList && ok
			want = append(want, m)
		}
		if derr != nil || !isList {
			if err == nil {
				t.Fatalf("EachOp(%q) read what Decode reads as %#v, %v", text, v, derr)
			}
			return
		}
		if err != nil || len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("EachOp(%q) = %#v, %v; Decode %#v", text, got, err, want)
		}
	})
}

// FuzzDecode: any text decodes without panicking, to a value or to an
// InvalidArgumentError (always, for text that is not UTF-8); text that
// encoding/json also reads (no NaN or Infinity tokens) gives the same value.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`[{"kind":"put","collection":"items","value":{"id":"a","n":1.5,"t":"é😀\n","l":[null,true,{"k":[]}]}}]`,
		`[NaN,Infinity,-Infinity,-0,1e21,5e-324,123456789012345678]`,
		`"\ud83d\ude00 \ud800 \u00e9"`, `{"a":1,"a":2}`, `[1,]`, `{"a"}`, "\"\x01\"", strings.Repeat("[", 70),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := Decode(text)
		if !utf8.ValidString(text) && err == nil {
			t.Fatalf("Decode(%q) read text that is not UTF-8", text)
		}
		if err != nil {
			if !errors.Is(err, engine.ErrInvalidArgument) {
				t.Fatalf("Decode(%q) error %v is not an InvalidArgumentError", text, err)
			}
			return
		}
		var want any
		if json.Unmarshal([]byte(text), &want) != nil {
			return // NaN or Infinity tokens: encoding/json has no such thing
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, encoding/json reads %#v", text, got, want)
		}
	})
}
