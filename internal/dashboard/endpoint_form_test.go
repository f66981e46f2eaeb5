package dashboard

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// postForm is a POST whose form is already parsed as v.
func postForm(v url.Values) *http.Request {
	return &http.Request{Method: http.MethodPost, PostForm: v, Form: v}
}

// The URL input shows a stored credential redacted: sent back as shown,
// or empty, it keeps the stored URL; edited around the marker, it is
// refused; a new URL replaces it.
func TestReadURLKeepsTheStoredCredential(t *testing.T) {
	stored := "https://user:hunter2@example.com/hook?token=abc"
	shown := webhook.RedactURL(stored)
	tests := []struct {
		typed, want string
		refused     bool
	}{
		{shown, stored, false},
		{"", stored, false},
		{strings.Replace(shown, "/hook", "/other", 1), "", true},
		{"https://new:pw@example.org/x", "https://new:pw@example.org/x", false},
		{"not a url", "", true},
	}
	for _, tt := range tests {
		var f endpointForm
		before := webhook.Endpoint{ID: "ep_1", URL: stored}
		ep := before
		f.readURL(tt.typed, &before, &ep)
		if refused := f.Errors["url"] != ""; refused != tt.refused || !tt.refused && ep.URL != tt.want {
			t.Errorf("readURL(%q) = %q, error %q; want %q, refused %v", tt.typed, ep.URL, f.Errors["url"], tt.want, tt.refused)
		}
		if strings.Contains(f.URL, "hunter2") {
			t.Errorf("readURL(%q) shows %q again: the stored password", tt.typed, f.URL)
		}
	}
}

// A sensitive header's stored value never reaches the form, and an
// empty value keeps it; a row without a name removes its header.
func TestReadHeadersKeepsSensitiveValues(t *testing.T) {
	before := webhook.Endpoint{ID: "ep_1", Headers: map[string]string{"Authorization": "Bearer s3cret", "X-Team": "growth", "X-Old": "1"}}
	f := (&Dashboard{}).formOf(before, false)
	for _, h := range f.Headers {
		if strings.Contains(h.Value, "s3cret") {
			t.Fatalf("the form holds the stored secret: %+v", h)
		}
	}
	v := url.Values{
		"header-name-0": {"Authorization"}, "header-value-0": {""}, "header-orig-0": {"Authorization"},
		"header-name-1": {""}, "header-value-1": {"1"}, "header-orig-1": {"X-Old"},
		"header-name-2": {"X-Team"}, "header-value-2": {"growth"}, "header-orig-2": {"X-Team"},
		"header-name-3": {"X-New"}, "header-value-3": {"v"}, "header-orig-3": {""},
	}
	var form endpointForm
	got := form.readHeaders(postForm(v), &before)
	want := map[string]string{"Authorization": "Bearer s3cret", "X-Team": "growth", "X-New": "v"}
	if !maps.Equal(got, want) || len(form.Errors) > 0 {
		t.Errorf("readHeaders = %v, errors %v; want %v", got, form.Errors, want)
	}
	// Renamed to a header whose value is shown, the stored secret does
	// not follow.
	v = url.Values{"header-name-0": {"X-Shown"}, "header-value-0": {""}, "header-orig-0": {"Authorization"}}
	form = endpointForm{}
	if got := form.readHeaders(postForm(v), &before); got["X-Shown"] != "" {
		t.Errorf("renamed, the stored secret moved to a shown header: %v", got)
	}
}

func TestSplitChannels(t *testing.T) {
	for in, want := range map[string][]string{
		"":                 nil,
		" , \n":            nil,
		"eu, us":           {"eu", "us"},
		"eu\r\nus\n\neu,x": {"eu", "us", "x"},
	} {
		if got := splitChannels(in); !slices.Equal(got, want) {
			t.Errorf("splitChannels(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"10": 10 * time.Second, "1m30s": 90 * time.Second, "1.5s": 1500 * time.Millisecond} {
		if got, err := parseTimeout(in); err != nil || got != want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "0s", "soon"} {
		if got, err := parseTimeout(in); err == nil {
			t.Errorf("parseTimeout(%q) = %v, want an error", in, got)
		}
	}
}

// A chosen event type the catalog lacks (archived, or hidden from the
// session) stays ticked in a group of its own, so saving keeps it.
func TestTypeChoicesKeepWhatTheCatalogLacks(t *testing.T) {
	types := []webhook.EventType{{Name: "a.create"}, {Name: "a.update"}, {Name: "b.create"}}
	groups := typeChoices(types, []string{"a.update", "gone.type"})
	var names []string
	var checked []string
	for _, g := range groups {
		for _, c := range g.Types {
			names = append(names, g.Object+":"+c.Name)
			if c.Checked {
				checked = append(checked, c.Name)
			}
		}
	}
	if want := []string{"a:a.create", "a:a.update", "b:b.create", "Not in the catalog:gone.type"}; !slices.Equal(names, want) {
		t.Errorf("groups = %q, want %q", names, want)
	}
	if want := []string{"a.update", "gone.type"}; !slices.Equal(checked, want) {
		t.Errorf("checked = %q, want %q", checked, want)
	}
}
