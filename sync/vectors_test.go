package sync_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/hearthdb/hearth/crdt"
	hsync "github.com/hearthdb/hearth/sync"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the Go encoder")

// jsonEnv and jsonMsg are the language-neutral form of messages in
// testdata/vectors.json.
type jsonEnv struct {
	Actor   string `json:"actor"`
	Seq     uint64 `json:"seq"`
	Payload string `json:"payload_hex"`
}

type jsonMsg struct {
	Type     string            `json:"type"`
	Space    string            `json:"space,omitempty"`
	Token    string            `json:"token,omitempty"`
	Version  map[string]uint64 `json:"version,omitempty"`
	MaxFrame uint64            `json:"max_frame,omitempty"`
	MaxBatch uint64            `json:"max_batch,omitempty"`
	ID       uint64            `json:"id,omitempty"`
	Changes  []jsonEnv         `json:"changes,omitempty"`
	Done     bool              `json:"done,omitempty"`
	Code     uint64            `json:"code,omitempty"`
	Message  string            `json:"message,omitempty"`
	// Version 2: HELLO's and WELCOME's max_change, WELCOME's epoch; PART's
	// total and offset (its actor and seq are Changes[0]'s, its chunk is
	// Changes[0].Payload).
	MaxChange uint64 `json:"max_change,omitempty"`
	Epoch     string `json:"epoch,omitempty"`
	Total     uint64 `json:"total,omitempty"`
	Offset    uint64 `json:"offset,omitempty"`
	// Version 3: WELCOME's snapshot fields; SNAPSHOT's version is
	// Version, its chunk Chunk (hex), its id, total and offset above.
	Snapshot      map[string]uint64 `json:"snapshot,omitempty"`
	SnapshotAfter uint64            `json:"snapshot_after,omitempty"`
	MaxSnapshot   uint64            `json:"max_snapshot,omitempty"`
	Chunk         string            `json:"chunk_hex,omitempty"`
}

type vector struct {
	Name     string   `json:"name"`
	Protocol uint64   `json:"protocol,omitempty"` // of valid frames: 1, 2 or 3
	Meaning  string   `json:"meaning"`
	Hex      string   `json:"hex"`
	Message  *jsonMsg `json:"message,omitempty"`
	Error    string   `json:"error,omitempty"` // code name for invalid frames
}

type vectorFile struct {
	Note    string   `json:"note"`
	Valid   []vector `json:"valid"`
	Invalid []vector `json:"invalid"`
}

func vvOf(m map[string]uint64) crdt.VersionVector {
	vv := crdt.VersionVector{}
	for a, s := range m {
		vv[crdt.ActorID(a)] = s
	}
	return vv
}

func envsOf(t *testing.T, js []jsonEnv) []hsync.Envelope {
	out := make([]hsync.Envelope, 0, len(js))
	for _, e := range js {
		p, err := hex.DecodeString(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hsync.Envelope{Actor: crdt.ActorID(e.Actor), Seq: e.Seq, Payload: p})
	}
	return out
}

// toMessage is the message of valid vector v, framed in v.Protocol.
func toMessage(t *testing.T, v vector) hsync.Message {
	j := v.Message
	switch j.Type {
	case "hello":
		return &hsync.Hello{Space: j.Space, Token: j.Token, Version: vvOf(j.Version), Proto: v.Protocol, MaxChange: j.MaxChange}
	case "welcome":
		w := &hsync.Welcome{Version: vvOf(j.Version), MaxFrame: j.MaxFrame, MaxBatch: j.MaxBatch, Proto: v.Protocol,
			MaxChange: j.MaxChange, Epoch: j.Epoch, Snapshot: vvOf(j.Snapshot), SnapshotAfter: j.SnapshotAfter, MaxSnapshot: j.MaxSnapshot}
		if j.Snapshot == nil && v.Protocol < 3 {
			w.Snapshot = nil // version 3 decodes an empty map
		}
		return w
	case "snapshot":
		chunk, err := hex.DecodeString(j.Chunk)
		if err != nil {
			t.Fatal(err)
		}
		return &hsync.Snapshot{ID: j.ID, Version: vvOf(j.Version), Total: j.Total, Offset: j.Offset, Chunk: chunk}
	case "part":
		e := envsOf(t, j.Changes)[0]
		return &hsync.Part{ID: j.ID, Actor: e.Actor, Seq: e.Seq, Total: j.Total, Offset: j.Offset, Chunk: e.Payload}
	case "push":
		return &hsync.Push{ID: j.ID, Changes: envsOf(t, j.Changes)}
	case "ack":
		return &hsync.Ack{ID: j.ID, Version: vvOf(j.Version)}
	case "changes":
		return &hsync.Changes{Changes: envsOf(t, j.Changes), Done: j.Done}
	case "live":
		return &hsync.Live{Changes: envsOf(t, j.Changes)}
	case "error":
		return &hsync.ErrorMessage{Code: hsync.Code(j.Code), Message: j.Message, ID: j.ID}
	}
	t.Fatalf("unknown type %q", j.Type)
	return nil
}

func readVectorFile() (vectorFile, error) {
	var f vectorFile
	b, err := os.ReadFile("testdata/vectors.json")
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	return f, err
}

func loadVectors(t *testing.T) vectorFile {
	f, err := readVectorFile()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVectorsValid(t *testing.T) {
	f := loadVectors(t)
	changed := false
	for i, v := range f.Valid {
		msg := toMessage(t, v)
		if v.Protocol < hsync.MinProtocolVersion || v.Protocol > hsync.ProtocolVersion {
			t.Fatalf("%s: protocol %d", v.Name, v.Protocol)
		}
		got, err := hsync.EncodeVersion(msg, v.Protocol)
		if err != nil {
			t.Fatalf("%s: encode: %v", v.Name, err)
		}
		if h := hex.EncodeToString(got); h != v.Hex {
			if !*update {
				t.Errorf("%s: encode = %s, want %s", v.Name, h, v.Hex)
			}
			f.Valid[i].Hex, changed = h, true
		}
		raw, _ := hex.DecodeString(f.Valid[i].Hex)
		dec, err := hsync.Decode(raw, hsync.DefaultLimits)
		if err != nil {
			t.Fatalf("%s: decode: %v", v.Name, err)
		}
		if !reflect.DeepEqual(normalize(dec), normalize(msg)) {
			t.Errorf("%s: decode = %#v, want %#v", v.Name, dec, msg)
		}
	}
	if changed && *update {
		writeVectors(t, f)
	}
}

// normalize makes empty and nil slices/maps compare equal.
func normalize(m hsync.Message) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func writeVectors(t *testing.T, f vectorFile) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/vectors.json", append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVectorsInvalid(t *testing.T) {
	for _, v := range loadVectors(t).Invalid {
		raw, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatal(err)
		}
		_, err = hsync.Decode(raw, hsync.DefaultLimits)
		if err == nil {
			t.Errorf("%s: decoded without error", v.Name)
			continue
		}
		if got := hsync.CodeOf(err).String(); got != v.Error {
			t.Errorf("%s: error %v has code %s, want %s", v.Name, err, got, v.Error)
		}
		if !errors.Is(err, hsync.CodeOf(err).Err()) {
			t.Errorf("%s: %v does not wrap its sentinel", v.Name, err)
		}
	}
}
