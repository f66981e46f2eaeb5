package build

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The Svix module whose server/openapi.json is the contract. SvixVersion must equal the
// version go.mod requires; a test in ../ holds the two together. The module also holds the
// larger spec of Svix's cloud API that the SDKs are generated from (codegen/): the calls it
// has and Hookline does not serve are answered "not supported" by name (see Unsupported).
const (
	SvixModule      = "github.com/svix/svix-webhooks"
	SvixVersion     = "v1.99.1"
	svixSpecFile    = "server/openapi.json"
	svixLibSpecFile = "codegen/lib-openapi.json"
)

// SvixSpecs reads the Svix server's spec and the SDKs' spec from the module.
func SvixSpecs(ctx context.Context) (server, lib []byte, err error) {
	dir, err := svixModuleDir(ctx)
	if err != nil {
		return nil, nil, err
	}
	if server, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(svixSpecFile))); err != nil {
		return nil, nil, fmt.Errorf("svix spec: %w", err)
	}
	if lib, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(svixLibSpecFile))); err != nil {
		return nil, nil, fmt.Errorf("svix SDK spec: %w", err)
	}
	return server, lib, nil
}

// svixModuleDir returns where the Svix module lies in the module cache, downloading it if
// needed. It asks `go mod download -json` for the module's Dir rather than `go list -m`,
// which loads the whole build graph and fails on this module set.
func svixModuleDir(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", SvixModule+"@"+SvixVersion)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// On failure `go mod download -json` still prints a JSON object, with an Error field.
	var mod struct {
		Dir   string
		Error string
	}
	if jerr := json.Unmarshal(out, &mod); jerr != nil && err == nil {
		return "", fmt.Errorf("parse go mod download output: %w", jerr)
	}
	if err != nil || mod.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s%s", SvixModule, SvixVersion, err, mod.Error, bytes.TrimSpace(stderr.Bytes()))
	}
	if mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no Dir in output", SvixModule, SvixVersion)
	}
	return mod.Dir, nil
}
