package tvauth

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// What importing tvauth costs a firmware build: three stripped CGO_ENABLED=0 linux programs built from
// this tree, a net/http hello world, a Pass logout written by hand with net/http and encoding/json, and
// the same logout through tvauth (WithPassCredentials, so the token fetch is linked as in an app).
//
// The figure is the sum of the ELF loadable segments' file sizes: what the program puts in flash. The
// file size itself moves in steps of the segment alignment (64 KiB on arm64), so it is logged but not
// budgeted. TVAUTH_SIZE_GOARCH picks the architecture (CI measures arm64); the default is the host's.
//
// The budgets are today's figures plus a little room for toolchain drift: a change that links a
// package the Pass logout path does not need (slog through a stored *slog.Logger cost 64 KiB) fails
// here. Issue 12 asks for 700 KiB over hello world; go-retryablehttp's package variables compile four
// regular expressions at init, which links regexp and its Unicode tables (about 236 KiB on arm64)
// into every program that imports it, whether or not the default retry policy runs.
var sizeBudgetKiB = map[string]int{"arm64": 835, "amd64": 905, "arm": 840, "mipsle": 960}

func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs")
	}
	arch := os.Getenv("TVAUTH_SIZE_GOARCH")
	if arch == "" {
		arch = runtime.GOARCH
	}
	t.Parallel()
	programs := map[string]string{
		"hello": `import ("fmt"; "net/http"; "os")

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
}`,
		"handwritten": `import ("encoding/json"; "fmt"; "io"; "net/http"; "os")

func main() {
	req, err := http.NewRequest("DELETE", os.Args[1]+"/api/v2/REF30/logout/x", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		fmt.Println(err)
		return
	}
	var reply struct {
		Logouts map[string]struct {
			Actions []struct{ Name, Type, URL string }
		}
	}
	fmt.Println(json.Unmarshal(body, &reply), reply)
}`,
		"tvauth": `import ("context"; "fmt"; "os"; "github.com/tvauth/tvauth")

func main() {
	c, err := tvauth.New(tvauth.WithPassURL(os.Args[1]),
		tvauth.WithPassCredentials(tvauth.ClientCredentials{ClientID: os.Getenv("ID"), ClientSecret: tvauth.Secret(os.Getenv("SECRET"))}))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Pass.Logout(context.Background(), tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "x"})
	fmt.Println(res, err)
}`,
	}
	bin := buildPrograms(t, programs, []string{"GOOS=linux", "GOARCH=" + arch}, "-ldflags=-s -w")
	sizes := map[string][2]int64{} // loadable bytes, file bytes
	for name := range programs {
		load, file, err := elfSizes(filepath.Join(bin, name))
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = [2]int64{load, file}
	}
	kib := func(a, b string, i int) int64 { return (sizes[a][i] - sizes[b][i]) / 1024 }
	added := kib("tvauth", "hello", 0)
	t.Logf("linux/%s, stripped: tvauth's Pass logout adds %d KiB over a net/http hello world (file: %d KiB), %d KiB over the same logout by hand (file: %d KiB)",
		arch, added, kib("tvauth", "hello", 1), kib("tvauth", "handwritten", 0), kib("tvauth", "handwritten", 1))
	if sizes["handwritten"][0] <= sizes["hello"][0] || sizes["tvauth"][0] <= sizes["handwritten"][0] {
		t.Errorf("implausible sizes %v: the programs do not measure what they claim", sizes)
	}
	if budget, ok := sizeBudgetKiB[arch]; ok && added > int64(budget) {
		t.Errorf("tvauth adds %d KiB on linux/%s, over its budget of %d KiB: see what grew with `go tool nm -size -sort size` on an unstripped build, and `go build -ldflags=-dumpdep` for why it is reachable",
			added, arch, budget)
	}
}

// elfSizes returns the bytes of an ELF file's loadable segments, and the file's size.
func elfSizes(path string) (load, file int64, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			load += int64(p.Filesz)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("stat %s: %w", path, err)
	}
	return load, st.Size(), nil
}
