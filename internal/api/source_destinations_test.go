package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hookline/hookline/internal/inbound"
)

// A save pairs each destination with the endpoint it keeps: by the
// endpointId sent back, else by URL; the rest of the old ones are
// removed, and an endpointId that is not the source's is refused.
func TestPlanDestinations(t *testing.T) {
	before := []inbound.Destination{
		{URL: "https://a.example/", EndpointID: "ep_a"},
		{URL: "https://b.example/", EndpointID: "ep_b"},
		{URL: "https://b.example/", EndpointID: "ep_b2"},
	}
	for _, tt := range []struct {
		name       string
		after      []inbound.Destination
		keep, drop []string
		err        string
	}{
		{"create", nil, []string{}, []string{"ep_a", "ep_b", "ep_b2"}, ""},
		{"by endpointId, URL changed", []inbound.Destination{{URL: "https://c.example/", EndpointID: "ep_b"}}, []string{"ep_b"}, []string{"ep_a", "ep_b2"}, ""},
		{"by URL, each once", []inbound.Destination{{URL: "https://b.example/"}, {URL: "https://b.example/"}, {URL: "https://b.example/"}},
			[]string{"ep_b", "ep_b2", ""}, []string{"ep_a"}, ""},
		{"endpointId before URL", []inbound.Destination{{URL: "https://a.example/"}, {URL: "https://x.example/", EndpointID: "ep_a"}},
			[]string{"", "ep_a"}, []string{"ep_b", "ep_b2"}, ""},
		{"unknown endpointId", []inbound.Destination{{URL: "https://a.example/", EndpointID: "ep_other"}}, nil, nil, "forward.destinations.0.endpointId"},
		{"one endpointId twice", []inbound.Destination{{URL: "https://a.example/", EndpointID: "ep_a"}, {URL: "https://a.example/", EndpointID: "ep_a"}}, nil, nil, "forward.destinations.1.endpointId"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planDestinations(before, tt.after)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("planDestinations = %v, want an error naming %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.keep, plan.keep, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("keep mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.drop, plan.remove); diff != "" {
				t.Errorf("remove mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
