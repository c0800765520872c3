package crdt

import (
	"fmt"
	"testing"
)

// TestTraceFriendsForever replays the concurrent trace: one replica per
// agent; before each transaction the agent's replica receives exactly the
// other agents' transactions in the transaction's causal past (parents).
func TestTraceFriendsForever(t *testing.T) {
	tr := loadTrace(t, "friendsforever.json.gz")
	reps := make([]*Replica, tr.NumAgents)
	changes := make([][]*Change, tr.NumAgents) // per agent, in order
	seed := mustReplica(t, "seed")
	c0, _, err := seed.Transact(func(tx *Tx) error {
		return tx.Put("docs", "paper", map[string]any{"body": Text(tr.StartContent)})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range reps {
		reps[i] = mustReplica(t, ActorID(fmt.Sprintf("agent%d", i)), WithClock(fakeClock(1_700_000_000_000+int64(i))))
		if _, err := reps[i].Apply(c0); err != nil {
			t.Fatal(err)
		}
	}
	vecs := make([][]int, len(tr.Txns)) // txns of each agent in the past
	for i, txn := range tr.Txns {
		vec := make([]int, tr.NumAgents)
		for _, p := range txn.Parents {
			for a, n := range vecs[p] {
				vec[a] = max(vec[a], n)
			}
		}
		r := reps[txn.Agent]
		for a, n := range vec {
			if a == txn.Agent {
				if n != len(changes[a]) {
					t.Skipf("txn %d: agent %d forks its own history; unsupported by this replay", i, a)
				}
				continue
			}
			have := int(r.version.Get(reps[a].Actor()))
			if have > n {
				t.Skipf("txn %d: agent %d already saw more of agent %d", i, txn.Agent, a)
			}
			if _, err := r.Apply(changes[a][have:n]...); err != nil {
				t.Fatal(err)
			}
		}
		c, _, err := r.Transact(txn.apply)
		if err != nil {
			t.Fatalf("txn %d: %v", i, err)
		}
		changes[txn.Agent] = append(changes[txn.Agent], c)
		vec[txn.Agent]++
		vecs[i] = vec
	}
	final := mustReplica(t, "final", WithStrict(false))
	if _, err := final.Apply(c0); err != nil {
		t.Fatal(err)
	}
	for _, cs := range changes {
		if _, err := final.Apply(cs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := final.Check(); err != nil {
		t.Fatal(err)
	}
	if got := bodyOf(t, final); got != tr.EndContent {
		t.Fatalf("merged text differs from endContent (%d vs %d chars)", len(got), len(tr.EndContent))
	}
}
