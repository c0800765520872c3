package jsonops

import (
	"encoding/json"
	"errors"
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

func TestJSONOpsWantsAnArrayOfObjects(t *testing.T) {
	ops, err := Ops(` [{"kind":"put","collection":"c","value":{"id":"a","n":1}},{"kind":"delete","collection":"c","id":"b","extra":[1]}] `)
	if err != nil || len(ops) != 2 || ops[0].ID != "a" || ops[0].Value.(map[string]any)["n"] != 1.0 || ops[1].Kind != engine.OpDelete || ops[1].ID != "b" {
		t.Fatalf("Ops = %+v, %v", ops, err)
	}
	if ops, err := Ops("[ ]"); err != nil || len(ops) != 0 {
		t.Fatalf("Ops([ ]) = %v, %v", ops, err)
	}
	for _, text := range []string{`{}`, `"x"`, `[1]`, `[{}, null]`, `[{"kind":"delete","id":"x"}`, `[{"kind":"delete","id":"x"},]`,
		`[{"kind":"delete","id":"x"}] x`, "[{\"kind\":\"delete\",\"id\":\"x\"}]\xff", ``, `[{"kind":"delete","id":1}]`} {
		if _, err := Ops(text); !errors.Is(err, engine.ErrInvalidArgument) {
			t.Errorf("Ops(%s) error = %v, want InvalidArgument", text, err)
		}
	}
}

// FuzzOps: Ops reads exactly the texts Decode reads as an array of
// objects that engine.OpFromMap accepts, into the same operations.
func FuzzOps(f *testing.F) {
	for _, seed := range []string{`[{"kind":"put","collection":"c","value":{"id":"a"}},{"kind":"delete","collection":"c","id":"b"}]`,
		`[]`, `[{}, 1]`, `[{"kind":"insertText","collection":"n","id":"n","path":["body"],"index":3,"text":"\u00e9","base":"x"}]`,
		`[{"kind":"increment","id":"i","delta":2.5,"kind":"put"}]`, `{}`} {
		f.Add(seed)
	}
	var shared Decoder // across inputs, as a batch shares it
	f.Fuzz(func(t *testing.T, text string) {
		got, err := Ops(text)
		if again, aerr := shared.Ops(text); (aerr == nil) != (err == nil) || !reflect.DeepEqual(again, got) {
			t.Fatalf("Ops(%q) with a shared Decoder = %#v, %v; alone %#v, %v", text, again, aerr, got, err)
		}
		v, derr := Decode(text)
		list, isList := v.([]any)
		var want []engine.Op
		for _, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				isList = false
				break
			}
			op, err := engine.OpFromMap(m)
			if err != nil {
				isList = false
				break
			}
			want = append(want, op)
		}
		if derr != nil || !isList {
			if err == nil {
				t.Fatalf("Ops(%q) read what Decode and OpFromMap refuse (%v)", text, derr)
			}
			return
		}
		if err != nil || len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("Ops(%q) = %#v, %v; OpFromMap reads %#v", text, got, err, want)
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
// The string cache gives back equal strings, whatever collides in a slot.
func TestDecoderSharesStrings(t *testing.T) {
	var dec Decoder
	texts := []string{
		`[{"kind":"insertText","collection":"notes","id":"n","path":["body"],"index":1,"text":"x"}]`,
		`[{"kind":"insertText","collection":"notez","id":"n","path":["body"],"index":2,"text":"é"}]`,
		`[{"kind":"deleteText","collection":"notes","id":"m","path":["bodz"],"index":3,"count":1}]`,
	}
	for round := 0; round < 2; round++ {
		for _, text := range texts {
			got, err := dec.Ops(text)
			want, werr := Ops(text)
			if err != nil || werr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: shared %+v (%v), alone %+v (%v)", text, got, err, want, werr)
			}
		}
	}
}
