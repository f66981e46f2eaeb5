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

// TestLogoutWithLowerCaseBearer logs an app-portal token out under the
// scheme spelled "bearer": the token is refused at once, its cached
// lookup forgotten as for "Bearer".
func TestLogoutWithLowerCaseBearer(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	appID := f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)["id"].(string)
	portal := f.token(appID)
	if rec := f.do(portal, "GET", "/api/v1/app/acme", ""); rec.Code != 200 {
		t.Fatalf("GET with the portal token = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(noToken, "POST", "/api/v1/auth/logout", "", "Authorization", "bearer "+portal); rec.Code != 204 {
		t.Fatalf("logout with 'bearer' = %d %s, want 204", rec.Code, rec.Body)
	}
	if rec := f.do(portal, "GET", "/api/v1/app/acme", ""); rec.Code != 401 {
		t.Errorf("GET with the logged-out token = %d %s, want 401", rec.Code, rec.Body)
	}
}
