package layering

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hearthdb/hearth"

// pureRoots are the packages (with their subpackages) that must build and
// test natively, with the clock and all I/O injected.
var pureRoots = []string{"crdt", "query", "sync", "engine", "internal/jsonops", "internal/kvpage"}

// forbiddenImports may not be imported directly by a pure package.
var forbiddenImports = []string{"syscall/js", "syscall", "net", "net/http", "os", "os/exec", "github.com/hack-pad/safejs", "github.com/hack-pad/go-indexeddb/idb"}

// forbiddenDeps may not be reached at all from a pure package ("os" and
// "syscall" cannot be banned transitively: fmt imports them).
var forbiddenDeps = []string{"net", "net/http", "os/exec", "syscall/js"}

// forbiddenInWasm may not reach the shipped module: test tooling and
// debugging endpoints only add size.
var forbiddenInWasm = []string{"testing", "net/http/pprof", "runtime/pprof", module + "/engine/storagetest", module + "/relay"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func goList(t *testing.T, env []string, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Imports,Deps"}, args...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestPureCoreImportsNoIO(t *testing.T) {
	var patterns []string
	for _, r := range pureRoots {
		if _, err := os.Stat(filepath.Join(repoRoot(t), r)); err == nil {
			patterns = append(patterns, "./"+r+"/...")
		}
	}
	for _, p := range goList(t, nil, patterns...) {
		for _, imp := range p.Imports {
			for _, bad := range forbiddenImports {
				if imp == bad {
					t.Errorf("%s imports %s; the pure core must take I/O through interfaces", p.ImportPath, imp)
				}
			}
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, "github.com/hack-pad/") || slices.Contains(forbiddenDeps, dep) {
				t.Errorf("%s depends on %s", p.ImportPath, dep)
			}
		}
	}
}

func TestBrowserFilesCarryBuildTag(t *testing.T) {
	for _, dir := range []string{"idb", "jsbridge", "wasm"} {
		err := filepath.WalkDir(filepath.Join(repoRoot(t), dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(string(src), "//go:build js && wasm\n") {
				t.Errorf("%s does not start with //go:build js && wasm", path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestWasmModuleHasNoTestTooling(t *testing.T) {
	pkgs := goList(t, []string{"GOOS=js", "GOARCH=wasm"}, "./wasm")
	if len(pkgs) != 1 {
		t.Fatalf("go list ./wasm returned %d packages", len(pkgs))
	}
	for _, dep := range pkgs[0].Deps {
		for _, bad := range forbiddenInWasm {
			if dep == bad {
				t.Errorf("the wasm module depends on %s", dep)
			}
		}
	}
}
