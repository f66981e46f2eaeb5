package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// Request fields are held to one rule: a field either does what the newest Svix API says,
// or is refused with a 422 naming it; it is never taken and then ignored, because an
// ignored field can change what is delivered without a word (an SDK that sends an
// endpoint's filter as eventTypes to a server that knows only filterTypes gets an
// endpoint that receives every event type).
//
// So a body may hold only the fields its input type decodes: the Svix spec's, the SDKs'
// (which are generated from Svix's larger cloud spec) and v1.44.0's. Those Hookline does not
// do are decoded too, and refused by the handler when set (refuseSet). A field in no spec
// (a typo, a field of a newer Svix) is refused here, except the read-only fields of the
// resource's own answer (id, createdAt, ...), which a client that GETs an object, edits it
// and PUTs it back sends, and which cannot change anything: those are ignored, as Svix's
// server ignores every unknown field.

// echoer is an input type whose answer has read-only fields a client may send back.
type echoer interface {
	echoFields() []string
}

// fieldSet is the JSON names an input type decodes; nested holds the set of each field
// that is itself an input object (MessageIn's application).
type fieldSet struct {
	names  map[string]*fieldSet // nil value: a leaf
	echoes []string
}

var fieldSets sync.Map // reflect.Type -> *fieldSet

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	echoerType      = reflect.TypeFor[echoer]()
	timeType        = reflect.TypeFor[time.Time]()
)

// fieldsOf returns the fields of struct type t, cached.
func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := fieldSets.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{names: map[string]*fieldSet{}}
	addFields(fs, t)
	if reflect.PointerTo(t).Implements(echoerType) {
		fs.echoes = reflect.New(t).Interface().(echoer).echoFields()
	}
	fieldSets.Store(t, fs)
	return fs
}

func addFields(fs *fieldSet, t reflect.Type) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(fs, ft) // embedded: its fields are the outer object's
			continue
		}
		if name == "" {
			name = f.Name
		}
		var nested *fieldSet
		if ft.Kind() == reflect.Struct && ft != timeType && !reflect.PointerTo(ft).Implements(unmarshalerType) {
			nested = fieldsOf(ft)
		}
		fs.names[name] = nested
	}
}

// unknownFields adds a problem for each member of the JSON object body that fs does not
// know, at loc, looking into nested objects. Members that fs echoes are let through.
// body is known to be valid JSON (it has been decoded); POST /msg runs this on every
// request, so the members are found by a scan that allocates nothing for known names.
func unknownFields(p *problems, body []byte, fs *fieldSet, loc ...string) {
	eachMember(body, func(rawKey, value []byte) {
		key := unquoteKey(rawKey)
		nested, known := fs.names[key]
		switch {
		case known && nested != nil && len(value) > 0 && value[0] == '{':
			unknownFields(p, value, nested, append(slices.Clone(loc), key)...)
		case known, slices.Contains(fs.echoes, key):
		default:
			p.add("unknown field: Hookline refuses a field it does not know rather than ignore it (see docs/api-compatibility.md)",
				append(slices.Clone(loc), key)...)
			(*p)[len(*p)-1].Type = "value_error.extra"
		}
	})
}

// unquoteKey returns a member name without its quotes; one with escapes (which
// encoding/json decodes, so "\u0075rl" is url) goes through encoding/json.
func unquoteKey(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if !bytes.ContainsRune(inner, '\\') {
		return string(inner) // a map index with string(b) does not allocate
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(inner)
	}
	return s
}

// eachMember calls fn with each member's quoted name and raw value of the JSON object b,
// in order. b must be valid JSON; if it is not an object, fn is not called.
func eachMember(b []byte, fn func(key, value []byte)) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	for i++; ; {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return
		}
		if b[i] == ',' {
			i++
			continue
		}
		keyEnd := skipString(b, i)
		key := b[i:keyEnd]
		i = skipSpace(b, skipSpace(b, keyEnd)+1) // past ':'
		end := skipValue(b, i)
		fn(key, b[i:end])
		i = end
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i] ('"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value that starts at b[i].
func skipValue(b []byte, i int) int {
	switch {
	case i >= len(b):
		return i
	case b[i] == '"':
		return skipString(b, i)
	case b[i] == '{' || b[i] == '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // a number, true, false or null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// refuseSet adds a problem at name when a field Hookline does not do was set to anything
// but null: the field is in the newest SDKs' models, so it is decoded rather than refused
// as unknown, but taking it and doing nothing would be the silent change this file is
// about. why says what to do instead.
func refuseSet(p *problems, raw json.RawMessage, name, why string) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	msg := name + " is not supported by Hookline"
	if why != "" {
		msg += ": " + why
	}
	p.add(msg, name)
	(*p)[len(*p)-1].Type = "value_error.not_supported"
}

// alias merges a field Svix renamed: older is the old name's value (filterTypes,
// rateLimit), newer the new name's (eventTypes, throttleRate). Either may be given, or both
// when they agree (a client that echoes an answer, which carries both); both and different
// is a 422 at the newer name, never a silent choice. It returns the value and the name it
// came by, for the problems found in it later.
func alias[T any](p *problems, older, newer *T, olderName, newerName string) (*T, string) {
	switch {
	case newer == nil:
		return older, olderName
	case older == nil:
		return newer, newerName
	case !reflect.DeepEqual(*older, *newer):
		p.add(newerName+" and "+olderName+" are the same field (Svix renamed "+olderName+" to "+newerName+
			"); give one, or both with the same value", newerName)
	}
	return newer, newerName
}

// aliasOpt is alias for the fields of a PATCH, where absent, null and a value differ.
func aliasOpt[T any](p *problems, older, newer Optional[T], olderName, newerName string) (Optional[T], string) {
	switch {
	case !newer.Set:
		return older, olderName
	case !older.Set:
		return newer, newerName
	case older.Null != newer.Null || !reflect.DeepEqual(older.Value, newer.Value):
		p.add(newerName+" and "+olderName+" are the same field (Svix renamed "+olderName+" to "+newerName+
			"); give one, or both with the same value", newerName)
	}
	return newer, newerName
}
