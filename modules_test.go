package tvauth_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOtherModules runs the tests of the repository's other modules (tvauthredis and the like, each a
// module of its own so that a program importing only tvauth gets none of their dependencies), so that
// the one command go test ./... tests every module: the go command's ./... stops at a nested go.mod.
// It passes -race on when this run has it, and is skipped with -short.
//
// Every file of those modules is looked at (os.Stat) so that the go command's test cache, which keys
// a test's result on the files it looked at, reruns this test when one of them changes.
func TestOtherModules(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the other modules' tests are not run")
	}
	modules := otherModules(t)
	if len(modules) == 0 {
		t.Fatal("no other module found below the repository root")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	for _, dir := range modules {
		t.Run(filepath.ToSlash(dir), func(t *testing.T) {
			args := []string{"test", "-count=1"}
			if raceDetector {
				args = append(args, "-race")
			}
			cmd := exec.Command(goCmd, append(args, "./...")...)
			cmd.Dir = dir
			// Each module's go.mod replaces the root with ../, so no workspace is needed.
			cmd.Env = append(os.Environ(), "GOWORK=off")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// otherModules lists the directories below the root that hold a go.mod (testdata and hidden
// directories left out), stat-ing every file below them on the way.
func otherModules(t *testing.T) []string {
	t.Helper()
	var modules []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != "." {
				modules = append(modules, path)
			}
			return nil
		}
		if len(modules) > 0 && strings.HasPrefix(path, modules[len(modules)-1]+string(filepath.Separator)) {
			_, err := os.Stat(path)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return modules
}
