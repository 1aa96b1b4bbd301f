package tvauth

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildPrograms builds small main packages inside this module, so that they import this tree, and
// returns the directory holding the executables, each named after its program. sources maps a name
// to the program's text after its package clause; env is added to the go command's environment.
func buildPrograms(t *testing.T, sources map[string]string, env []string, flags ...string) (bin string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir, err := os.MkdirTemp(".", "_programs") // a leading _ keeps ./... patterns (go vet, go test) out of it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin = t.TempDir()
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", bin+string(filepath.Separator))
	for name, src := range sources {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "main.go"), []byte("package main\n\n"+src+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+filepath.ToSlash(filepath.Join(dir, name)))
	}
	cmd := exec.Command(goTool, args...)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
