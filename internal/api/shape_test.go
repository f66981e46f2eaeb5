package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestSDKVersionBefore(t *testing.T) {
	limit := [3]int{1, 57, 0}
	for ua, want := range map[string]bool{
		"svix-libs/1.44.0/go":                true,
		"svix-libs/1.56.0/python":            true,
		"svix-libs/0.9.1/javascript":         true,
		"svix-libs/1.57.0/go":                false,
		"svix-libs/1.99.1/go go/go1.26.8":    false,
		"svix-libs/1.99.1/go/suffix go/1.26": false,
		"svix-libs/2.0.0/javascript":         false,
		"svix-libs/1.44/go":                  false,
		"svix-libs/x.44.0/go":                false,
		"svix-libs/1.44.0":                   false,
		"curl/8.5.0":                         false,
		"":                                   false,
		"Mozilla/5.0 svix-libs/1.44.0/go":    false,
		"svix-libs/1.-1.0/go":                false,
	} {
		if got := sdkVersionBefore(ua, limit); got != want {
			t.Errorf("sdkVersionBefore(%q) = %v, want %v", ua, got, want)
		}
	}
}

// TestShapeByClient checks that each answer with fields newer than Svix v1.44.0 carries
// them for the newest clients and drops exactly them for the SDKs with strict models.
func TestShapeByClient(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	app := "/api/v1/app/" + w.app.UID
	legacy := []string{"User-Agent", "svix-libs/1.44.0/go"}
	newest := []string{"User-Agent", "svix-libs/1.99.1/go go/go1.26.8"}
	since := w.now().Add(-1e9 * 3600).Format("2006-01-02T15:04:05Z")
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		// item picks the object to look at: the first of data, or the body.
		list  bool
		newer []string
	}{
		{"app", "GET", app, "", 200, false, nil},
		{"endpoint", "GET", app + "/endpoint/ep-two", "", 200, false, []string{"eventTypes", "throttleRate"}},
		{"endpoint list", "GET", app + "/endpoint", "", 200, true, []string{"eventTypes", "throttleRate"}},
		{"attempts by msg", "GET", app + "/attempt/msg/" + w.m1, "", 200, true, []string{"statusText"}},
		{"attempts by endpoint", "GET", app + "/attempt/endpoint/ep-one", "", 200, true, []string{"statusText"}},
		{"attempt", "GET", app + "/msg/" + w.m1 + "/attempt/" + w.a1ok.ID, "", 200, false, []string{"statusText"}},
		{"attempted messages", "GET", app + "/endpoint/ep-one/msg", "", 200, true, []string{"statusText"}},
		{"attempted destinations", "GET", app + "/msg/" + w.m1 + "/endpoint", "", 200, true, []string{"eventTypes", "statusText", "throttleRate"}},
		{"stats", "GET", app + "/endpoint/ep-one/stats", "", 200, false, []string{"canceled"}},
		{"recover", "POST", app + "/endpoint/ep-one/recover", `{"since":"` + since + `"}`, 202, false, []string{"updatedAt"}},
	} {
		get := func(hdr []string) map[string]json.RawMessage {
			t.Helper()
			rec := w.do(tc.method, tc.path, tc.body, hdr...)
			if rec.Code != tc.status {
				t.Fatalf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, rec.Code, rec.Body, tc.status)
			}
			var obj map[string]json.RawMessage
			if tc.list {
				var page struct{ Data []map[string]json.RawMessage }
				if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Data) == 0 {
					t.Fatalf("%s: %s, want a page with items (%v)", tc.name, rec.Body, err)
				}
				// The item with the most fields: the one of ep-two where there is one.
				for _, it := range page.Data {
					if len(it) > len(obj) {
						obj = it
					}
				}
				return obj
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
				t.Fatalf("%s: %s: %v", tc.name, rec.Body, err)
			}
			return obj
		}
		n, l := get(newest), get(legacy)
		for _, f := range tc.newer {
			if _, ok := n[f]; !ok {
				t.Errorf("%s: newest client: %s missing", tc.name, f)
			}
		}
		var dropped []string
		for k := range n {
			if _, ok := l[k]; !ok {
				dropped = append(dropped, k)
			}
		}
		for k := range l {
			if _, ok := n[k]; !ok {
				t.Errorf("%s: legacy client got %s, which the newest does not", tc.name, k)
			}
		}
		slices.Sort(dropped)
		if !slices.Equal(dropped, tc.newer) {
			t.Errorf("%s: legacy client lacks %v, want exactly %v", tc.name, dropped, tc.newer)
		}
	}
	// resend answers {} to every client: the v1.44.0 SDK ignores the body.
	for _, hdr := range [][]string{newest, legacy} {
		rec := w.do("POST", app+"/msg/"+w.m1+"/endpoint/ep-one/resend", "", hdr...)
		if rec.Code != http.StatusAccepted || strings.TrimSpace(rec.Body.String()) != "{}" {
			t.Errorf("resend (%s) = %d %q, want 202 {}", hdr[1], rec.Code, rec.Body)
		}
	}
}
