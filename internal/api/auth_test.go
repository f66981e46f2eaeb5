package api

import "testing"

// TestBearerSchemeIsCaseInsensitive sends the admin token under every
// spelling of the scheme that RFC 9110 allows (the scheme name is
// case-insensitive, and more than one space may follow it), and under
// ones it does not.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	for _, tc := range []struct {
		header string
		want   int
	}{
		{"Bearer " + f.admin, 200},
		{"bearer " + f.admin, 200},
		{"BEARER " + f.admin, 200},
		{"bEaReR " + f.admin, 200},
		{"Bearer   " + f.admin, 200},
		{"Bearer " + f.admin + " ", 200},
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Basic " + f.admin, 401},
		{"Bearer" + f.admin, 401},
		{"Bearerx " + f.admin, 401},
		{f.admin, 401},
		{"bearer nope", 401},
	} {
		rec := f.do(noToken, "GET", "/api/v1/app", "", "Authorization", tc.header)
		if rec.Code != tc.want {
			t.Errorf("GET /api/v1/app with Authorization %q = %d %s, want %d", tc.header, rec.Code, rec.Body, tc.want)
		}
	}
}
