package openapitest

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ok := `{"key":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}`
	if err := Check("EndpointSecretOut", []byte(ok)); err != nil {
		t.Errorf("Check(%s) = %v, want nil", ok, err)
	}
	for _, tc := range []struct{ schema, body, want string }{
		{"EndpointSecretOut", `{"key":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD","extra":1}`, "extra"},
		{"EndpointSecretOut", `{}`, "key"},
		{"EndpointStats", `{"success":1,"pending":0,"sending":0,"fail":0}`, "canceled"},
		{"ListResponse_ApplicationOut_", `{"data":[{"id":"app_1","name":"a","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z","metadata":{},"x":1}],"iterator":null,"done":true}`, "x"},
		{"NoSuchSchema", `{}`, "NoSuchSchema"},
		{"EndpointSecretOut", `{`, "not JSON"},
	} {
		err := Check(tc.schema, []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s, %s) = %v, want an error naming %q", tc.schema, tc.body, err, tc.want)
		}
	}
}
