// Package eventschema checks the JSON Schemas an event type carries
// (Svix's "schemas": a version mapped to a JSON Schema) before they are
// stored: the API and the operator's pages take them through the same
// checks, measured before the compiler runs (limits.go), because any
// token may submit one.
package eventschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Problem is what is wrong with one version's schema of a "schemas"
// object, or, with Version empty, with the object itself.
type Problem struct {
	Version string
	Err     error
}

// CheckVersions checks Svix's "schemas": an object mapping a version to
// a JSON Schema, each of which must compile. It returns the problems in
// the order of the versions' names; none when all is well.
func CheckVersions(raw json.RawMessage) []Problem {
	var versions map[string]json.RawMessage
	if err := json.Unmarshal(raw, &versions); err != nil || versions == nil {
		return []Problem{{Err: errors.New("schemas must be an object mapping a version to a JSON Schema")}}
	}
	keys := make([]string, 0, len(versions))
	for k := range versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var probs []Problem
	for _, k := range keys {
		if err := Check(versions[k]); err != nil {
			probs = append(probs, Problem{Version: k, Err: err})
		}
	}
	return probs
}

// schemaLocation is the URL a submitted schema is compiled at. It is never
// fetched: relative references resolve against it and are refused.
const schemaLocation = "https://schema.hookline.invalid/schema.json"

// refuseLoader loads nothing: a submitted schema may not read files or the
// network (the library's default loader reads file:// URLs). References
// within the schema itself, and to the standard metaschemas (embedded in
// the library), still work.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, errors.New("external references are not allowed")
}

// Check checks that raw is a JSON Schema object within the limits that
// compiles. Schemas without "$schema" are read as draft 7, as Svix does.
func Check(raw json.RawMessage) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return errors.New("a JSON Schema must be an object")
	}
	if err := checkSchemaSize(doc); err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(refuseLoader{})
	c.UseRegexpEngine(newPatternEngine().compile)
	if err := c.AddResource(schemaLocation, doc); err != nil {
		return fmt.Errorf("invalid JSON Schema: %v", err)
	}
	if _, err := c.Compile(schemaLocation); err != nil {
		msg := strings.ReplaceAll(err.Error(), schemaLocation, "schema")
		return fmt.Errorf("invalid JSON Schema: %s", cutLines(msg, maxSchemaErrorText))
	}
	return nil
}
