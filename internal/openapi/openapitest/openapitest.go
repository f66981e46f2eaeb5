// Package openapitest holds response bodies to the schemas of the OpenAPI document Hookline
// serves, strictly: an object may carry only the properties its schema names, as the Svix
// SDKs with strict models (Go v1.44.0 and the like) require, and every required one.
//
// The newest Svix SDKs decode leniently, so decoding a body into their models proves little
// about its shape; this check is what keeps the served document and the answers together.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hookline/hookline/internal/openapi"
)

// docURL is where the document is registered with the compiler; nothing is ever fetched.
const docURL = "https://hookline.invalid/api/v1/openapi.json"

var (
	mu    sync.Mutex // guards cache and the compiler, which is not safe for concurrent use
	cache = map[string]*jsonschema.Schema{}
)

// compiler is one compiler over the served document with every object schema closed.
var compiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapi.Document()))
	if err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	m, _ := doc.(map[string]any)
	comps, _ := m["components"].(map[string]any)
	closeObjects(comps["schemas"])
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuse{})
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, fmt.Errorf("add document: %w", err)
	}
	return c, nil
})

// closeObjects sets additionalProperties to false on every object schema that lists properties and
// says nothing of others: in the document an unlisted property is allowed, in an answer to
// a strict SDK it is an error. It also drops string patterns: the check is of shape (which
// properties, of which types, which required), and where Hookline accepts more than a
// pattern (channels with ':') docs/api-compatibility.md says so.
func closeObjects(n any) {
	switch v := n.(type) {
	case []any:
		for _, c := range v {
			closeObjects(c)
		}
	case map[string]any:
		if _, ok := v["pattern"].(string); ok {
			delete(v, "pattern")
		}
		if props, ok := v["properties"].(map[string]any); ok {
			if _, said := v["additionalProperties"]; !said {
				v["additionalProperties"] = false
			}
			for _, p := range props {
				closeObjects(p)
			}
		}
		for k, c := range v {
			if k != "properties" {
				closeObjects(c)
			}
		}
	}
}

type refuse struct{}

func (refuse) Load(url string) (any, error) {
	return nil, fmt.Errorf("openapitest: no fetching %s", url)
}

// Check reports how body breaks the document's components/schemas/<schema>, or nil.
func Check(schema string, body []byte) error {
	mu.Lock()
	defer mu.Unlock()
	s, ok := cache[schema]
	if !ok {
		c, err := compiler()
		if err != nil {
			return err
		}
		if s, err = c.Compile(docURL + "#/components/schemas/" + schema); err != nil {
			return fmt.Errorf("compile schema %s: %w", schema, err)
		}
		cache[schema] = s
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("body does not match %s: %v\nbody: %s", schema, err, body)
	}
	return nil
}

// Decode checks body against schema, then decodes it into v (typically a model of the
// newest Svix Go SDK), reporting either failure.
func Decode(schema string, body []byte, v any) error {
	if err := Check(schema, body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %T: %w\nbody: %s", v, err, body)
	}
	return nil
}
