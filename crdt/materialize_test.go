package crdt

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// Materialize predicts exactly what Get reads back after Put or Set, for
// random documents with every kind of field, and refuses what they refuse.
func TestMaterializeMatchesGet(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	r := mustReplica(t, "a", WithStrict(true))
	for i := range 300 {
		doc := randDoc(rng)
		doc["int"] = 3                                                          // an int: read back as int64
		doc["deep"] = map[string]any{"l": []any{map[string]any{"k": int32(2)}}} // lists copy nested values
		doc["empty"] = []any{}
		want := map[string]any{}
		for k, v := range doc {
			m, err := Materialize(v, 1)
			if err != nil {
				t.Fatal(err)
			}
			want[k] = m
		}
		path := []string{"m", "set"}
		set := randDoc(rng)
		if _, _, err := r.Transact(func(tx *Tx) error {
			if err := tx.Put("c", "d", doc); err != nil {
				return err
			}
			return tx.Set("c", "d", path, set)
		}); err != nil {
			t.Fatal(err)
		}
		wantSet, err := Materialize(set, len(path))
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := want["m"].(map[string]any); ok {
			m["set"] = wantSet
		} else {
			want["m"] = map[string]any{"set": wantSet}
		}
		got, _ := r.Get("c", "d")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Get = %#v\nMaterialize = %#v", i, got, want)
		}
	}
	for _, bad := range []any{math.NaN(), "\xff", Text("\xff"), struct{}{}, map[string]any{"x": math.Inf(1)}, []any{func() {}}} {
		_, mErr := Materialize(bad, 1)
		_, _, tErr := r.Transact(func(tx *Tx) error { return tx.Put("c", "bad", map[string]any{"f": bad}) })
		if mErr == nil || tErr == nil || !reflect.DeepEqual(unwrapAll(mErr), unwrapAll(tErr)) {
			t.Errorf("%#v: Materialize error %v, Put error %v", bad, mErr, tErr)
		}
	}
}

// unwrapAll returns the innermost error of a chain of single wraps.
func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}
