package sync_test

import (
	"os/exec"
	"strings"
	"testing"
)

func goList(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, "github.com/hearthdb/hearth/sync").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestNoIOImports keeps sync/ pure: the session is sans-I/O and must build
// for js/wasm without networking or the JS runtime anywhere in its
// dependency graph. "os" and "syscall" cannot be banned transitively (fmt
// imports os), so they are banned as direct imports of sync itself.
func TestNoIOImports(t *testing.T) {
	deep := map[string]bool{"net": true, "net/http": true, "os/exec": true, "syscall/js": true}
	for _, pkg := range goList(t, `{{join .Deps " "}}`) {
		if deep[pkg] {
			t.Errorf("sync depends on forbidden package %s", pkg)
		}
	}
	direct := map[string]bool{"net": true, "net/http": true, "os": true, "syscall": true, "syscall/js": true}
	for _, pkg := range goList(t, `{{join .Imports " "}}`) {
		if direct[pkg] {
			t.Errorf("sync imports forbidden package %s", pkg)
		}
	}
}
