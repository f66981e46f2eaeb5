// Command gen writes internal/openapi/openapi.json: the Svix server's OpenAPI document from
// the module go.mod requires, corrected and merged with additions.json (see package build).
// It runs from internal/openapi via `go generate`, so its default paths are relative there.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hookline/hookline/internal/openapi/build"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi gen:", err)
		os.Exit(1)
	}
}

func run() error {
	additionsPath := flag.String("additions", "additions.json", "Hookline's additions to the Svix spec")
	outPath := flag.String("out", "openapi.json", "where to write the document")
	flag.Parse()

	specPath, err := build.SvixSpecPath(context.Background())
	if err != nil {
		return fmt.Errorf("locate svix spec: %w", err)
	}
	spec, err := os.ReadFile(specPath)
	if err != nil {
		return fmt.Errorf("read svix spec: %w", err)
	}
	additions, err := os.ReadFile(*additionsPath)
	if err != nil {
		return fmt.Errorf("read additions: %w", err)
	}
	doc, err := build.Document(spec, additions)
	if err != nil {
		return fmt.Errorf("build document: %w", err)
	}
	if err := os.WriteFile(*outPath, doc, 0o644); err != nil {
		return fmt.Errorf("write document: %w", err)
	}
	return nil
}
