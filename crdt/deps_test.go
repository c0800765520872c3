package crdt

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoForbiddenImports keeps the package pure: nothing in its import
// graph reaches the browser or the network, and the package itself does not
// import os or syscall (fmt and msgpack pull in os, but only for stdio).
func TestNoForbiddenImports(t *testing.T) {
	deps := goList(t, "-deps", ".")
	for _, dep := range deps {
		switch dep {
		case "syscall/js", "net", "net/http", "testing":
			t.Errorf("crdt depends on %s", dep)
		}
	}
	for _, imp := range goList(t, "-f", "{{join .Imports \" \"}}", ".") {
		switch imp {
		case "os", "os/exec", "syscall", "io/fs":
			t.Errorf("crdt imports %s", imp)
		}
	}
}

func goList(t *testing.T, args ...string) []string {
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	return strings.Fields(string(out))
}
