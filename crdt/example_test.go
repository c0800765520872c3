package crdt_test

import (
	"fmt"
	"time"

	"github.com/hearthdb/hearth/crdt"
)

func fixedClock() time.Time { return time.UnixMilli(1_700_000_000_000) }

func Example() {
	alice, _ := crdt.NewReplica("alice", crdt.WithClock(fixedClock))
	bob, _ := crdt.NewReplica("bob", crdt.WithClock(fixedClock))

	ch, _, _ := alice.Transact(func(tx *crdt.Tx) error {
		return tx.Put("todos", "t1", map[string]any{
			"title": "Buy milk",
			"notes": crdt.Text("2 litres"),
			"votes": crdt.Counter(0),
		})
	})
	wire := crdt.EncodeChange(ch)
	received, _ := crdt.DecodeChange(wire)
	bob.Apply(received)

	// Concurrent edits on both sides.
	a, _, _ := alice.Transact(func(tx *crdt.Tx) error {
		tx.Increment("todos", "t1", []string{"votes"}, 1)
		return tx.InsertText("todos", "t1", []string{"notes"}, 0, "get ")
	})
	b, _, _ := bob.Transact(func(tx *crdt.Tx) error {
		tx.Increment("todos", "t1", []string{"votes"}, 1)
		return tx.InsertText("todos", "t1", []string{"notes"}, 8, " of oat milk")
	})
	patch, _ := alice.Apply(b)
	bob.Apply(a)

	doc, _ := alice.Get("todos", "t1")
	fmt.Println(doc["notes"], doc["votes"])
	fmt.Printf("%+v\n", patch.Docs[0].Splices[0])
	fmt.Println(alice.Version().Equal(bob.Version()))
	// Output:
	// get 2 litres of oat milk 2
	// {Path:[notes] Index:12 Delete:0 Text: of oat milk Values:[]}
	// true
}
