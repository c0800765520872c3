package query

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the package pure: it may import only the standard
// library and this module, never syscall/js, net or os directly, and nothing
// under net even indirectly. (os arrives indirectly through fmt, which is
// harmless: the package never calls it.)
func TestDependencies(t *testing.T) {
	const module = "github.com/hearthdb/hearth/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, std, _ := strings.Cut(line, " ")
		switch {
		case std != "true" && !strings.HasPrefix(path, module):
			t.Errorf("depends on %s, outside the standard library and this module", path)
		case path == "net" || strings.HasPrefix(path, "net/") || path == "syscall/js":
			t.Errorf("depends on %s", path)
		}
	}
	out, err = exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		if imp == "os" || imp == "net" || imp == "syscall/js" {
			t.Errorf("imports %s", imp)
		}
	}
}
