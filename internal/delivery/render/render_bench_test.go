package render

import "testing"

// BenchmarkTemplateExecute renders the ONTRAPORT example of
// docs/delivery-options.md: what one attempt of a template endpoint
// costs, the budget's per-run set-up included.
func BenchmarkTemplateExecute(b *testing.B) {
	c, err := CompileTemplate(`First_Name={{urlquery .payload.firstName}}&Last_Name={{urlquery .payload.lastName}}&Email={{urlquery .payload.email}}&Company={{urlquery (default "none" .payload.company)}}&api_key=ot_KEY123&event={{.eventType}}&tags={{join "," .payload.tags}}&n={{printf "%05d" .payload.n}}`)
	if err != nil {
		b.Fatal(err)
	}
	data, err := Data("msg_1", "contact.created", 1767225600, []byte(`{"firstName":"Ann","lastName":"O'Neil","email":"ann+1@example.com","company":"Acme & Co","tags":["a","b"],"n":42}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Execute(data); err != nil {
			b.Fatal(err)
		}
	}
}
