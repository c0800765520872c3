package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// FuzzLiveText checks a live text against a plain string edited the same
// way: the same text, the same sizes, and every UTF-16 position converted
// as codePoints converts it, after each edit of a random sequence mixing
// one-byte, two-to-three-byte and four-byte (two-unit) characters.
func FuzzLiveText(f *testing.F) {
	f.Add(uint64(1), "hello", 40)
	f.Add(uint64(2), "héllo wörld 😀!", 200)
	f.Add(uint64(3), "", 500)
	f.Fuzz(func(t *testing.T, seed uint64, start string, steps int) {
		if !utf8.ValidString(start) || steps < 0 || steps > 2000 {
			t.Skip()
		}
		r := rand.New(rand.NewPCG(seed, 7))
		live := newLiveText([]string{"body"}, start)
		model := []rune(start)
		pieces := []string{"a", "bc", "é", "日本", "😀", "x😀y", " ", "\n"}
		for i := 0; i < steps; i++ {
			index := r.IntN(len(model) + 1)
			del := r.IntN(len(model) - index + 1)
			if r.IntN(3) > 0 {
				del = min(del, 2)
			}
			ins := ""
			if r.IntN(4) > 0 {
				ins = pieces[r.IntN(len(pieces))]
			}
			if !live.splice(index, del, ins) {
				t.Fatalf("step %d: splice(%d, %d, %q) of a %d-rune text refused", i, index, del, ins, len(model))
			}
			model = append(model[:index], append([]rune(ins), model[index+del:]...)...)
			checkLive(t, live, string(model), r)
		}
		if live.splice(len(model)+1, 0, "z") || live.splice(0, len(model)+1, "") {
			t.Fatal("a splice past the end was taken")
		}
		checkLive(t, live, string(model), r)
	})
}

func checkLive(t *testing.T, live *liveText, want string, r *rand.Rand) {
	t.Helper()
	if got := live.String(); got != want {
		t.Fatalf("text %q, want %q", got, want)
	}
	other := []byte(want + "x")
	other[len(want)/2] ^= 1
	if !live.is(want) || live.is(want+"x") || len(want) > 0 && live.is(string(other[:len(want)])) {
		t.Fatalf("is() wrong for %q", want)
	}
	units := len(utf16.Encode([]rune(want)))
	if live.size != (textPos{len(want), utf8.RuneCountInString(want), units}) {
		t.Fatalf("size %+v for %q", live.size, want)
	}
	for range 4 {
		u := r.IntN(units + 2)
		got, gotErr := live.codePoints(u)
		exp, expErr := codePoints(want, u)
		if got != exp || (gotErr == nil) != (expErr == nil) {
			t.Fatalf("codePoints(%d) of %q = %d, %v; want %d, %v", u, want, got, gotErr, exp, expErr)
		}
	}
}

// TestLiveTextLargeEdits types and deletes through a text larger than the
// gap, so that the buffer grows and the gap moves both ways.
func TestLiveTextLargeEdits(t *testing.T) {
	live := newLiveText(nil, strings.Repeat("é", 1000))
	want := []rune(strings.Repeat("é", 1000))
	for i := range 3000 {
		at := (i * 7919) % (len(want) + 1)
		if !live.splice(at, 0, "😀a") {
			t.Fatal("refused")
		}
		want = append(want[:at], append([]rune("😀a"), want[at:]...)...)
	}
	if !live.splice(10, 2000, "") {
		t.Fatal("refused")
	}
	want = append(want[:10], want[2010:]...)
	if live.String() != string(want) {
		t.Fatal("texts differ")
	}
}
