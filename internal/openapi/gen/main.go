// Command gen writes internal/openapi/openapi.json: the Svix server's OpenAPI document from
// the module go.mod requires, corrected and merged with additions.json (see package build);
// and internal/openapi/unsupported.json: the calls of the Svix SDKs' spec that the document
// lacks, which the API answers as not supported. It runs from internal/openapi via `go
// generate`, so its default paths are relative there.
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
	unsupportedPath := flag.String("unsupported", "unsupported.json", "where to write the SDK calls the document lacks")
	flag.Parse()

	spec, lib, err := build.SvixSpecs(context.Background())
	if err != nil {
		return fmt.Errorf("read svix specs: %w", err)
	}
	additions, err := os.ReadFile(*additionsPath)
	if err != nil {
		return fmt.Errorf("read additions: %w", err)
	}
	doc, err := build.Document(spec, additions)
	if err != nil {
		return fmt.Errorf("build document: %w", err)
	}
	unsupported, err := build.Unsupported(lib, doc)
	if err != nil {
		return fmt.Errorf("list unsupported operations: %w", err)
	}
	if err := os.WriteFile(*outPath, doc, 0o644); err != nil {
		return fmt.Errorf("write document: %w", err)
	}
	if err := os.WriteFile(*unsupportedPath, unsupported, 0o644); err != nil {
		return fmt.Errorf("write unsupported operations: %w", err)
	}
	return nil
}
