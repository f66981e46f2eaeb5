package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// root is the repository root, two levels above this package.
const root = "../.."

// packages maps each Go package directory (relative to root) to its
// non-test files.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkgs[rel] = append(pkgs[rel], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	pkgs := packages(t)
	if _, ok := pkgs["internal/delivery"]; !ok || len(pkgs) < 10 {
		t.Fatalf("found %d packages, not the repository's: is root right?", len(pkgs))
	}
	for dir, files := range pkgs {
		documented := false
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ParseComments|parser.PackageClauseOnly)
			if err != nil {
				t.Fatal(err)
			}
			if af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s has no package doc comment", dir)
		}
	}
}

// leaves import only the standard library: they are the domain, the
// configuration and the signature scheme, which everything else builds on.
var leaves = []string{"internal/config", "internal/webhook", "internal/signature"}

func TestLeavesImportOnlyTheStandardLibrary(t *testing.T) {
	for _, dir := range leaves {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
					t.Errorf("%s imports %s; leaf packages import only the standard library", f, path)
				}
			}
		}
	}
}

func TestNoFileOverAThousandLines(t *testing.T) {
	for _, files := range packages(t) {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), "\n"); n > 1000 {
				t.Errorf("%s has %d lines; split it (STYLE.md: no god files)", f, n)
			}
		}
	}
}

// upstream maps a package to those it must never import, so that data
// flows one way (docs/architecture.md): api -> delivery -> store. A rule
// covers the package's subpackages too.
var upstream = map[string][]string{
	"internal/delivery": {"internal/api", "internal/server"},
	"internal/store":    {"internal/api", "internal/delivery", "internal/server"},
	// What the API and the dashboard share must not lean on the API.
	"internal/auth":     {"internal/api", "internal/delivery", "internal/server"},
	"internal/endpoint": {"internal/api", "internal/server"},
	// The shared middleware serves every part of the server and knows none.
	"internal/httpmw": {"internal/api", "internal/delivery", "internal/server", "internal/store"},
	// Metrics observe the engine and the middleware, and serve nothing else.
	"internal/telemetry": {"internal/api", "internal/dashboard", "internal/server"},
	// Verification is pure: no store, no HTTP server, no engine.
	"internal/inbound/verify": {"internal/api", "internal/delivery", "internal/server", "internal/store"},
}

func TestImportsFlowOneWay(t *testing.T) {
	const module = "github.com/hookline/hookline/"
	for dir, files := range packages(t) {
		for pkg, banned := range upstream {
			if dir != pkg && !strings.HasPrefix(dir, pkg+"/") {
				continue
			}
			for _, f := range files {
				af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
				if err != nil {
					t.Fatal(err)
				}
				for _, imp := range af.Imports {
					path, _ := strconv.Unquote(imp.Path.Value)
					for _, b := range banned {
						if path == module+b || strings.HasPrefix(path, module+b+"/") {
							t.Errorf("%s imports %s; data flows the other way", f, path)
						}
					}
				}
			}
		}
	}
}
