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
// version go.mod requires; a test in ../ holds the two together.
const (
	SvixModule   = "github.com/svix/svix-webhooks"
	SvixVersion  = "v1.44.0"
	svixSpecFile = "server/openapi.json"
)

// SvixSpecPath returns where the Svix spec file lies in the module cache, downloading the
// module if needed. It asks `go mod download -json` for the module's Dir rather than
// `go list -m`, which loads the whole build graph and fails on this module set.
func SvixSpecPath(ctx context.Context) (string, error) {
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
	p := filepath.Join(mod.Dir, filepath.FromSlash(svixSpecFile))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("svix spec: %w", err)
	}
	return p, nil
}
