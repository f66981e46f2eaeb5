// Package build turns the Svix server's OpenAPI document into Hookline's: it applies the
// corrections the shipped file needs (OpenAPI 3.1, declared path parameters, unique
// operationIds, Hookline's title) and merges Hookline's own additions.
//
// It is the core of the generator in ../gen and of the freshness test in ../, so that the
// committed openapi.json and the code that makes it cannot drift apart unnoticed.
package build

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Title and Description replace the Svix info block: the document describes Hookline.
const (
	Title       = "Hookline"
	Description = "Hookline's HTTP API. Every path of the Svix server's API v1 is served with the " +
		"same request and response shapes, so the official Svix SDKs work unchanged; " +
		"Hookline's own resources are additional paths under /api/v1/."
)

// methods are the path-item keys that hold operations, in the order operations are
// visited; the order decides which of two duplicate operationIds keeps its name.
var methods = []string{"get", "head", "post", "put", "patch", "delete", "options", "trace"}

// templateParam matches one {name} in a path template.
var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// Document returns Hookline's OpenAPI document built from the Svix server's spec and
// Hookline's additions (a partial OpenAPI document with "paths" and "components").
// The output is indented JSON with sorted keys, so equal inputs give equal bytes.
func Document(svixSpec, additions []byte) ([]byte, error) {
	doc, err := decode(svixSpec)
	if err != nil {
		return nil, fmt.Errorf("decode svix spec: %w", err)
	}
	add, err := decode(additions)
	if err != nil {
		return nil, fmt.Errorf("decode additions: %w", err)
	}

	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0") {
		// The corrections below assume 3.0 input; a newer Svix spec needs them reviewed.
		return nil, fmt.Errorf("svix spec: openapi version %q, want 3.0.x", v)
	}
	doc["openapi"] = "3.1.0"
	info, _ := doc["info"].(map[string]any)
	if info == nil {
		info = map[string]any{}
	}
	info["title"] = Title
	info["description"] = Description
	// x-logo is Svix's brand, not ours.
	delete(info, "x-logo")
	doc["info"] = info
	// Relative, so the document is right wherever a Hookline server listens.
	doc["servers"] = []any{map[string]any{"url": "/"}}

	doc = nullableToTypeArrays(doc).(map[string]any)

	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		return nil, errors.New("svix spec: no paths")
	}
	if err := declarePathParams(doc, paths); err != nil {
		return nil, fmt.Errorf("svix spec: %w", err)
	}
	if err := uniqueOperationIDs(paths); err != nil {
		return nil, fmt.Errorf("svix spec: %w", err)
	}

	if err := merge(doc, add); err != nil {
		return nil, fmt.Errorf("merge additions: %w", err)
	}
	// Additions are ours, so they are checked rather than silently corrected.
	if err := Check(doc); err != nil {
		return nil, fmt.Errorf("check merged document: %w", err)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep <, > and & readable in descriptions and patterns.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return buf.Bytes(), nil
}

// decode parses JSON keeping numbers as written: float64 would round uint64 examples.
func decode(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	return m, nil
}

// nullableToTypeArrays rewrites OpenAPI 3.0's `nullable: true`, which 3.1 removed, into
// what 3.1 (JSON Schema 2020-12) means by it: "null" added to `type` (and to `enum`, which
// would otherwise still reject null), or, beside a $ref, an anyOf with {"type": "null"}.
// A `nullable` key is only a keyword when its value is a boolean; a property named
// "nullable" holds a schema object and is left alone.
func nullableToTypeArrays(n any) any {
	switch v := n.(type) {
	case []any:
		for i := range v {
			v[i] = nullableToTypeArrays(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = nullableToTypeArrays(v[k])
		}
		nullable, ok := v["nullable"].(bool)
		if !ok {
			return v
		}
		delete(v, "nullable")
		if !nullable {
			return v
		}
		if enum, ok := v["enum"].([]any); ok && !slices.Contains(enum, nil) {
			v["enum"] = append(enum, nil)
		}
		switch t := v["type"].(type) {
		case string:
			v["type"] = []any{t, "null"}
			return v
		case []any:
			if !slices.Contains(t, any("null")) {
				v["type"] = append(t, "null")
			}
			return v
		}
		if ref, ok := v["$ref"]; ok {
			// The $ref moves into anyOf; annotations (description, default...) stay beside it.
			delete(v, "$ref")
			v["anyOf"] = []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}
			return v
		}
		if anyOf, ok := v["anyOf"].([]any); ok {
			v["anyOf"] = append(anyOf, map[string]any{"type": "null"})
			return v
		}
		if oneOf, ok := v["oneOf"].([]any); ok {
			v["oneOf"] = append(oneOf, map[string]any{"type": "null"})
			return v
		}
		// A typeless schema already admits null.
		return v
	default:
		return n
	}
}

// operations calls fn for every operation of paths in a fixed order (paths sorted, then
// methods in the order of methods), which keeps every correction deterministic.
func operations(paths map[string]any, fn func(path, method string, item, op map[string]any) error) error {
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			return fmt.Errorf("path %s: not an object", p)
		}
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			if err := fn(p, m, item, op); err != nil {
				return err
			}
		}
	}
	return nil
}

// pathParamNames returns the names declared `in: path` on an operation or its path item.
func pathParamNames(doc, item, op map[string]any) map[string]bool {
	names := map[string]bool{}
	for _, list := range []any{item["parameters"], op["parameters"]} {
		params, _ := list.([]any)
		for _, p := range params {
			pm := resolveParam(doc, p)
			if pm != nil && pm["in"] == "path" {
				if n, ok := pm["name"].(string); ok {
					names[n] = true
				}
			}
		}
	}
	return names
}

// resolveParam returns a parameter object, following a local components/parameters $ref.
func resolveParam(doc map[string]any, p any) map[string]any {
	pm, _ := p.(map[string]any)
	ref, ok := pm["$ref"].(string)
	if !ok {
		return pm
	}
	name, ok := strings.CutPrefix(ref, "#/components/parameters/")
	if !ok {
		return nil
	}
	comps, _ := doc["components"].(map[string]any)
	params, _ := comps["parameters"].(map[string]any)
	resolved, _ := params[name].(map[string]any)
	return resolved
}

// declarePathParams adds an `in: path` parameter for every {name} of a path template that
// an operation leaves undeclared (Svix v1.44.0 ships several, e.g. app_id on
// /api/v1/app/{app_id}/msg). The added parameter is a copy of the first declaration of that
// name elsewhere in the document, so it carries the same schema and constraints.
func declarePathParams(doc, paths map[string]any) error {
	declared := map[string]map[string]any{}
	err := operations(paths, func(_, _ string, item, op map[string]any) error {
		for _, list := range []any{item["parameters"], op["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm := resolveParam(doc, p)
				n, _ := pm["name"].(string)
				if pm["in"] == "path" && declared[n] == nil {
					declared[n] = pm
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	return operations(paths, func(path, _ string, item, op map[string]any) error {
		have := pathParamNames(doc, item, op)
		params, _ := op["parameters"].([]any)
		for _, match := range templateParam.FindAllStringSubmatch(path, -1) {
			name := match[1]
			if have[name] {
				continue
			}
			var param map[string]any
			if src := declared[name]; src != nil {
				param = deepCopy(src).(map[string]any)
			} else {
				param = map[string]any{
					"in": "path", "name": name, "required": true, "style": "simple",
					"schema": map[string]any{"type": "string"},
				}
			}
			params = append(params, param)
			have[name] = true
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		return nil
	})
}

// uniqueOperationIDs gives every operation a distinct operationId. The first holder of a
// repeated id keeps it and later ones get "-<method>" appended (Svix v1.44.0 uses
// v1.health.get for both GET and HEAD /api/v1/health, so HEAD becomes v1.health.get-head).
// An operation without one gets a name derived from its method and path, in the style of
// the Svix spec's own generated names (logout_api_v1_auth_logout__post).
func uniqueOperationIDs(paths map[string]any) error {
	seen := map[string]string{}
	return operations(paths, func(path, method string, _, op map[string]any) error {
		id, _ := op["operationId"].(string)
		if id == "" {
			id = derivedOperationID(path, method)
		}
		if _, dup := seen[id]; dup {
			id = id + "-" + method
		}
		if prev, dup := seen[id]; dup {
			return fmt.Errorf("operationId %q of %s %s still repeats %s after renaming",
				id, strings.ToUpper(method), path, prev)
		}
		seen[id] = strings.ToUpper(method) + " " + path
		op["operationId"] = id
		return nil
	})
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9-]+`)

func derivedOperationID(path, method string) string {
	return nonWord.ReplaceAllString(strings.Trim(path, "/"), "_") + "__" + method
}

// merge adds the additions' paths and components to doc. A path or component that Svix
// already defines is an error: Hookline's resources are separate from Svix's, and an
// addition must never quietly change the contract the Svix SDKs rely on.
func merge(doc, add map[string]any) error {
	for k := range add {
		if k != "paths" && k != "components" && k != "tags" && k != extendKey {
			return fmt.Errorf("additions: unsupported top-level key %q (want paths, components, tags, %s)", k, extendKey)
		}
	}
	if err := extend(doc, add[extendKey]); err != nil {
		return err
	}

	paths := doc["paths"].(map[string]any)
	addPaths, _ := add["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(addPaths)) {
		if _, ok := paths[p]; ok {
			return fmt.Errorf("additions: path %s collides with a Svix path", p)
		}
		paths[p] = addPaths[p]
	}

	addComps, _ := add["components"].(map[string]any)
	comps, _ := doc["components"].(map[string]any)
	if comps == nil && len(addComps) > 0 {
		comps = map[string]any{}
		doc["components"] = comps
	}
	for _, kind := range slices.Sorted(maps.Keys(addComps)) {
		addKind, ok := addComps[kind].(map[string]any)
		if !ok {
			return fmt.Errorf("additions: components.%s: not an object", kind)
		}
		have, _ := comps[kind].(map[string]any)
		if have == nil {
			have = map[string]any{}
			comps[kind] = have
		}
		for _, name := range slices.Sorted(maps.Keys(addKind)) {
			if _, ok := have[name]; ok {
				return fmt.Errorf("additions: components.%s.%s collides with a Svix component", kind, name)
			}
			have[name] = addKind[name]
		}
	}

	if addTags, ok := add["tags"].([]any); ok {
		tags, _ := doc["tags"].([]any)
		names := map[any]bool{}
		for _, t := range tags {
			tm, _ := t.(map[string]any)
			names[tm["name"]] = true
		}
		for _, t := range addTags {
			tm, _ := t.(map[string]any)
			if names[tm["name"]] {
				return fmt.Errorf("additions: tag %v collides with a Svix tag", tm["name"])
			}
			names[tm["name"]] = true
			tags = append(tags, t)
		}
		doc["tags"] = tags
	}
	return nil
}

// extendKey names the additions' section that adds to Svix's own schemas and operations.
const extendKey = "x-hookline-extend"

// extend adds optional properties to Svix's schemas and parameters to its operations, as
// the additions' x-hookline-extend section lists them:
//
//	{"schemas": {"EndpointOut": {"properties": {"filterTypes": {...}}}},
//	 "operations": {"v1.message.list": {"parameters": [{"in": "query", "name": "tag", ...}]}}}
//
// Hookline serves a little more than Svix's server (fields and parameters that the SDKs,
// generated from Svix's larger cloud spec, send or read), and the served document must say
// so. An extension only adds: a property or parameter Svix already has, a required
// property, or any other key is an error, so the Svix contract itself never changes.
func extend(doc map[string]any, section any) error {
	if section == nil {
		return nil
	}
	ext, ok := section.(map[string]any)
	if !ok {
		return fmt.Errorf("additions: %s: not an object", extendKey)
	}
	for k := range ext {
		if k != "schemas" && k != "operations" {
			return fmt.Errorf("additions: %s: unsupported key %q (want schemas, operations)", extendKey, k)
		}
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	extSchemas, _ := ext["schemas"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(extSchemas)) {
		where := fmt.Sprintf("additions: %s.schemas.%s", extendKey, name)
		target, ok := schemas[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: no such Svix schema", where)
		}
		add, _ := extSchemas[name].(map[string]any)
		for k := range add {
			if k != "properties" {
				return fmt.Errorf("%s: unsupported key %q (an extension adds properties only)", where, k)
			}
		}
		props, _ := target["properties"].(map[string]any)
		if props == nil {
			return fmt.Errorf("%s: the Svix schema has no properties to add to", where)
		}
		addProps, _ := add["properties"].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(addProps)) {
			if _, dup := props[p]; dup {
				return fmt.Errorf("%s: property %q is Svix's already", where, p)
			}
			props[p] = addProps[p]
		}
	}

	extOps, _ := ext["operations"].(map[string]any)
	byID := map[string]map[string]any{}
	paths, _ := doc["paths"].(map[string]any)
	if err := operations(paths, func(_, _ string, _, op map[string]any) error {
		if id, ok := op["operationId"].(string); ok {
			byID[id] = op
		}
		return nil
	}); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(extOps)) {
		where := fmt.Sprintf("additions: %s.operations.%s", extendKey, id)
		op, ok := byID[id]
		if !ok {
			return fmt.Errorf("%s: no such Svix operation", where)
		}
		add, _ := extOps[id].(map[string]any)
		for k := range add {
			if k != "parameters" {
				return fmt.Errorf("%s: unsupported key %q (an extension adds parameters only)", where, k)
			}
		}
		params, _ := op["parameters"].([]any)
		have := map[string]bool{}
		for _, p := range params {
			if pm := resolveParam(doc, p); pm != nil {
				have[fmt.Sprint(pm["in"], " ", pm["name"])] = true
			}
		}
		addParams, _ := add["parameters"].([]any)
		for _, p := range addParams {
			pm, _ := p.(map[string]any)
			key := fmt.Sprint(pm["in"], " ", pm["name"])
			if have[key] {
				return fmt.Errorf("%s: parameter %s is Svix's already", where, key)
			}
			if pm["in"] == "path" || pm["required"] == true {
				return fmt.Errorf("%s: parameter %s: an extension adds optional query or header parameters only", where, key)
			}
			have[key] = true
			params = append(params, p)
		}
		op["parameters"] = params
	}
	return nil
}

// Check reports the first way doc breaks the rules Hookline's document keeps: version
// 3.1.x, every operation with a non-empty operationId unique across the document, every
// {name} of a path template declared as an `in: path` parameter, and no `nullable`.
func Check(doc map[string]any) error {
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return fmt.Errorf("openapi version %q, want 3.1.x", v)
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		return errors.New("no paths")
	}
	seen := map[string]string{}
	err := operations(paths, func(path, method string, item, op map[string]any) error {
		where := strings.ToUpper(method) + " " + path
		id, _ := op["operationId"].(string)
		if id == "" {
			return fmt.Errorf("%s: no operationId", where)
		}
		if prev, dup := seen[id]; dup {
			return fmt.Errorf("%s: operationId %q already used by %s", where, id, prev)
		}
		seen[id] = where
		have := pathParamNames(doc, item, op)
		for _, match := range templateParam.FindAllStringSubmatch(path, -1) {
			if !have[match[1]] {
				return fmt.Errorf("%s: path parameter %q not declared", where, match[1])
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if hasNullable(doc) {
		return errors.New("document still uses nullable, which OpenAPI 3.1 removed")
	}
	return nil
}

func hasNullable(n any) bool {
	switch v := n.(type) {
	case []any:
		return slices.ContainsFunc(v, hasNullable)
	case map[string]any:
		if _, ok := v["nullable"].(bool); ok {
			return true
		}
		for _, c := range v {
			if hasNullable(c) {
				return true
			}
		}
	}
	return false
}

func deepCopy(n any) any {
	switch v := n.(type) {
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = deepCopy(v[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, c := range v {
			out[k] = deepCopy(c)
		}
		return out
	default:
		return n
	}
}

// UnsupportedOperation is a call of the SDKs' spec that Hookline's document lacks.
type UnsupportedOperation struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId"`
}

// Unsupported lists, sorted by path then method, the operations of the SDKs' spec (lib)
// whose method and path the served document (doc, as Document builds it) does not have, so
// that the router can answer each with an error naming it rather than a bare 404.
func Unsupported(lib, doc []byte) ([]byte, error) {
	libDoc, err := decode(lib)
	if err != nil {
		return nil, fmt.Errorf("decode SDK spec: %w", err)
	}
	served, err := decode(doc)
	if err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	servedPaths, _ := served["paths"].(map[string]any)
	libPaths, _ := libDoc["paths"].(map[string]any)
	if libPaths == nil {
		return nil, errors.New("SDK spec: no paths")
	}
	out := []UnsupportedOperation{}
	err = operations(libPaths, func(path, method string, _, op map[string]any) error {
		if item, ok := servedPaths[path].(map[string]any); ok && item[method] != nil {
			return nil
		}
		id, _ := op["operationId"].(string)
		if id == "" {
			id = derivedOperationID(path, method)
		}
		out = append(out, UnsupportedOperation{Method: strings.ToUpper(method), Path: path, OperationID: id})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("SDK spec: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode unsupported operations: %w", err)
	}
	return buf.Bytes(), nil
}
