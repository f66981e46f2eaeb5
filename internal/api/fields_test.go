package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestEachMember(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string // key=value
	}{
		{`{}`, nil},
		{` { "a" : 1 , "b":"x,}]" ,"c":{"d":[1,{"e":"}"}]},"f":[],"g":null,"h":true,"i":-1.5e3} `,
			[]string{`"a"=1`, `"b"="x,}]"`, `"c"={"d":[1,{"e":"}"}]}`, `"f"=[]`, `"g"=null`, `"h"=true`, `"i"=-1.5e3`}},
		{`{"q\"uote":"v\\","z":"\u00e9"}`, []string{`"q\"uote"="v\\"`, `"z"="\u00e9"`}},
		{`[1,2]`, nil},
		{`null`, nil},
		{"{\n\t\"a\"\r\n:\n[ 1 ]\n}", []string{`"a"=[ 1 ]`}},
	} {
		var got []string
		eachMember([]byte(tc.body), func(k, v []byte) { got = append(got, string(k)+"="+string(v)) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("eachMember(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestUnknownFields decodes bodies into the endpoint and message inputs: names the type
// decodes pass, escaped spellings of them too, the answer's read-only fields pass (an
// echoed GET), anything else is a problem at its own location, nested objects included.
func TestUnknownFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		body string
		want []string
	}{
		{&endpointIn{}, `{"url":"https://x.example","eventTypes":["a"],"filterTypes":["a"],"throttleRate":1}`, nil},
		{&endpointIn{}, `{"\u0075rl":"https://x.example"}`, nil},
		{&endpointIn{}, `{"url":"u","id":"ep_1","createdAt":"t","updatedAt":"t"}`, nil},
		{&endpointIn{}, `{"url":"u","filter_types":["a"],"FilterTypes":["a"]}`, []string{"body.filter_types", "body.FilterTypes"}},
		{&endpointPatch{}, `{"eventtypes":["a"]}`, []string{"body.eventtypes"}},
		{&messageIn{}, `{"eventType":"a","payload":{"anything":{"goes":1}},"channel":"x"}`, []string{"body.channel"}},
	} {
		var p problems
		unknownFields(&p, []byte(tc.body), fieldsOf(reflectElem(tc.v)))
		var got []string
		for _, it := range p {
			got = append(got, strings.Join(it.Loc, "."))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("unknownFields(%T, %s) = %v, want %v", tc.v, tc.body, got, tc.want)
		}
	}
}

func reflectElem(v any) reflect.Type { return reflect.TypeOf(v).Elem() }
