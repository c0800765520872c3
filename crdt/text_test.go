package crdt

import (
	"errors"
	"strings"
	"testing"
)

// twoReplicas returns replicas a and b that share doc "notes/n" with text
// field "t" set to init.
func twoReplicas(t *testing.T, init string) (*Replica, *Replica) {
	a, b := mustReplica(t, "a", WithStrict(true)), mustReplica(t, "b", WithStrict(true))
	c, _, err := a.Transact(func(tx *Tx) error {
		return tx.Put("notes", "n", map[string]any{"t": Text(init)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(c); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// typeAt types s one character per transaction; backwards types each
// character at the same position (before the previous one).
func typeAt(t *testing.T, r *Replica, pos int, s string, backwards bool) []*Change {
	var out []*Change
	for i, ch := range []rune(s) {
		p := pos + i
		if backwards {
			p = pos
		}
		c, _, err := r.Transact(func(tx *Tx) error {
			return tx.InsertText("notes", "n", []string{"t"}, p, string(ch))
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func text(t *testing.T, r *Replica) string {
	d, ok := r.Get("notes", "n")
	if !ok {
		t.Fatal("document missing")
	}
	return d["t"].(string)
}

func TestConcurrentInsertsDoNotInterleave(t *testing.T) {
	for _, tc := range []struct {
		name      string
		backwards bool
		a, b      string
	}{
		{"forward", false, "hello", "world"},
		{"backward", true, "olleh", "dlrow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := twoReplicas(t, "[]")
			ca := typeAt(t, a, 1, tc.a, tc.backwards)
			cb := typeAt(t, b, 1, tc.b, tc.backwards)
			if _, err := a.Apply(cb...); err != nil {
				t.Fatal(err)
			}
			// b receives a's changes in reverse order: they wait in the buffer.
			for i := len(ca) - 1; i >= 0; i-- {
				if _, err := b.Apply(ca[i]); err != nil {
					t.Fatal(err)
				}
			}
			got := text(t, a)
			if got != text(t, b) {
				t.Fatalf("diverged: %q vs %q", got, text(t, b))
			}
			if got != "[helloworld]" && got != "[worldhello]" {
				t.Fatalf("interleaved: %q", got)
			}
		})
	}
}

func TestTransactErrorAppliesNothing(t *testing.T) {
	a, _ := twoReplicas(t, "abc")
	before := a.EncodeSnapshot()
	v := a.Version()
	boom := errors.New("boom")
	c, p, err := a.Transact(func(tx *Tx) error {
		if err := tx.InsertText("notes", "n", []string{"t"}, 1, "xyz"); err != nil {
			return err
		}
		if err := tx.DeleteText("notes", "n", []string{"t"}, 0, 4); err != nil {
			return err
		}
		if err := tx.Put("notes", "m", map[string]any{"k": Counter(1)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || c != nil || p != nil {
		t.Fatalf("got %v %v %v", c, p, err)
	}
	if string(a.EncodeSnapshot()) != string(before) || !a.Version().Equal(v) {
		t.Fatal("state changed")
	}
	c, _, err = a.Transact(func(tx *Tx) error { return tx.InsertText("notes", "n", []string{"t"}, 3, "!") })
	if err != nil || c.Seq != 2 {
		t.Fatalf("next change: %v %v", c, err)
	}
}

func TestPatchReportsSplices(t *testing.T) {
	a, b := twoReplicas(t, "hello")
	c, p, err := a.Transact(func(tx *Tx) error {
		if err := tx.InsertText("notes", "n", []string{"t"}, 5, " world"); err != nil {
			return err
		}
		return tx.DeleteText("notes", "n", []string{"t"}, 0, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Splice{{Path: []string{"t"}, Index: 5, Text: " world"}, {Path: []string{"t"}, Index: 0, Delete: 1}}
	if len(p.Docs) != 1 || !equalValues(p.Docs[0].Splices, want) || !equalValues(p.Docs[0].Fields, []string{"t"}) {
		t.Fatalf("local patch %+v", p)
	}
	rp, err := b.Apply(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Docs) != 1 || !equalValues(rp.Docs[0].Splices, want) || !rp.Docs[0].Exists {
		t.Fatalf("remote patch %+v", rp)
	}
}

func TestValidation(t *testing.T) {
	a := mustReplica(t, "a")
	for _, tc := range []struct {
		v    any
		want error
	}{
		{struct{}{}, ErrUnsupportedType},
		{map[string]any{"x": make(chan int)}, ErrUnsupportedType},
		{nan(), ErrInvalidNumber},
		{uint64(1 << 63), ErrInvalidNumber},
		{[]any{Text("no")}, ErrUnsupportedType},
		{string([]byte{0xff}), ErrInvalidArgument},
	} {
		_, _, err := a.Transact(func(tx *Tx) error { return tx.Set("c", "d", []string{"f"}, tc.v) })
		if !errors.Is(err, tc.want) {
			t.Errorf("Set(%T): got %v, want %v", tc.v, err, tc.want)
		}
	}
	_, _, err := a.Transact(func(tx *Tx) error { return tx.InsertText("c", "missing", []string{"t"}, 0, "x") })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing doc: %v", err)
	}
	_, _, err = a.Transact(func(tx *Tx) error {
		if err := tx.Put("c", "d", map[string]any{"t": Text("ab"), "s": "plain"}); err != nil {
			return err
		}
		if err := tx.InsertText("c", "d", []string{"s"}, 0, "x"); !errors.Is(err, ErrWrongType) {
			t.Errorf("text op on a string: %v", err)
		}
		if err := tx.InsertText("c", "d", []string{"t"}, 3, "x"); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("out of range: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewReplica(""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty actor: %v", err)
	}
	if _, err := DecodeChange([]byte{0x93, 1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed: %v", err)
	}
	if !strings.Contains(ErrMalformed.Error(), "crdt") {
		t.Error("sentinel text")
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestTransactPanicAppliesNothing(t *testing.T) {
	a, _ := twoReplicas(t, "abc")
	before := a.EncodeSnapshot()
	func() {
		defer func() { _ = recover() }()
		_, _, _ = a.Transact(func(tx *Tx) error {
			_ = tx.InsertText("notes", "n", []string{"t"}, 1, "xyz")
			panic("boom")
		})
	}()
	if string(a.EncodeSnapshot()) != string(before) {
		t.Fatal("state changed")
	}
	if _, _, err := a.Transact(func(tx *Tx) error { return tx.DeleteText("notes", "n", []string{"t"}, 0, 1) }); err != nil {
		t.Fatalf("replica unusable after a panic: %v", err)
	}
}
