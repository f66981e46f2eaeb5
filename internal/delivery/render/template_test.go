package render

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

const samplePayload = `{"email":"a+b@c.d","name":"Ann Lee","amount":12.50,"tags":["x","y z"],"contact":{"phone":null},"n":0,"ok":false}`

func render(t *testing.T, src, payload string) (string, error) {
	t.Helper()
	c, err := CompileTemplate(src)
	if err != nil {
		t.Fatalf("CompileTemplate(%q) = %v", src, err)
	}
	data, err := Data("msg_1", "user.created", 1700000000, []byte(payload))
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	out, err := c.Execute(data)
	return string(out), err
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{`First_Name={{urlquery .payload.name}}&Email={{urlquery .payload.email}}&api_key=K1`, `First_Name=Ann+Lee&Email=a%2Bb%40c.d&api_key=K1`},
		{`{{.eventType}} {{.msgId}} {{.timestamp}}`, `user.created msg_1 1700000000`},
		{`{{.payload.amount}}`, `12.50`},
		{`[{{.payload.missing}}]`, `[]`},
		{`[{{.payload.contact.phone}}]`, `[]`},
		{`[{{.payload.missing.deeper}}]`, `[]`},
		{`{{default "none" .payload.missing}} {{default "none" .payload.contact.phone}} {{default "x" .payload.n}} {{default "x" .payload.ok}}`, `none none 0 false`},
		{`{{json .payload.contact}} {{json .payload.tags}} {{json .payload.amount}}`, `{"phone":null} ["x","y z"] 12.50`},
		{`{{json .payload}}`, `{"amount":12.50,"contact":{"phone":null},"email":"a+b@c.d","n":0,"name":"Ann Lee","ok":false,"tags":["x","y z"]}`},
		{`{{range $i, $t := .payload.tags}}{{if $i}},{{end}}{{$t}}{{end}}`, `x,y z`},
		{`{{join ";" .payload.tags}} {{.payload.tags | join "|"}}`, `x;y z x|y z`},
		{`{{upper .payload.name}} {{lower .payload.name}} [{{trim "  t  "}}]`, `ANN LEE ann lee [t]`},
		{`{{html "<a&b>"}} {{js "it's"}} {{printf "%s-%v" .payload.name .payload.n}}`, `&lt;a&amp;b&gt; it\'s Ann Lee-0`},
		{`{{len .payload.tags}} {{index .payload.tags 1}} {{with .payload.name}}{{.}}{{end}}`, `2 y z Ann Lee`},
		{`{{range .payload.none}}x{{else}}empty{{end}}`, `empty`},
		{`{{range 3}}{{.}}{{end}}`, `012`},
		{`{{$x := .payload.name}}{{$x}}`, `Ann Lee`},
	}
	for _, tt := range tests {
		got, err := render(t, tt.src, samplePayload)
		if err != nil || got != tt.want {
			t.Errorf("Execute(%q) = %q, %v; want %q, nil", tt.src, got, err, tt.want)
		}
	}
}

func TestTemplateRefusedAtCompile(t *testing.T) {
	tests := []struct{ src, wantErr string }{
		{`{{.payload.name`, "unclosed action"},
		{`{{nosuchfunc 1}}`, `function "nosuchfunc" not defined`},
		{`{{define "x"}}{{template "x" .}}{{template "x" .}}{{end}}{{template "x" .}}`, "define and block are not available"},
		{`{{block "x" .}}{{end}}`, "define and block are not available"},
		{`{{template "x"}}`, "{{template}} is not available"},
		{`{{if 1}}{{template "x"}}{{end}}`, "{{template}} is not available"},
	}
	for _, tt := range tests {
		_, err := CompileTemplate(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CompileTemplate(%q) = %v, want an error containing %q", tt.src, err, tt.wantErr)
		}
	}
}

// TestTemplatePathological runs templates that would run for hours, take
// all memory or reach outside, and checks each stops with its reason.
func TestTemplatePathological(t *testing.T) {
	// The step limit, not the clock, is what these cases must meet.
	defer func(d time.Duration) { timeLimit = d }(timeLimit)
	timeLimit = time.Hour
	tests := []struct {
		src  string
		want error // nil: any error containing wantText
		text string
	}{
		{`{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}`, ErrTooManySteps, ""},
		{`{{range 200000}}{{end}}`, ErrTooManySteps, ""},
		{`{{range $.payload.tags}}{{printf "%0200000d" 1}}{{end}}`, ErrOutputTooLarge, ""},
		{`{{$s := "xxxxxxxxxxxxxxxx"}}{{range 100}}{{$s = printf "%s%s" $s $s}}{{end}}`, ErrValueTooLarge, ""},
		{`{{$s := "x"}}{{range 100}}{{$s = print $s $s}}{{end}}`, ErrValueTooLarge, ""},
		{`{{printf "%0999999999d" 1}}{{printf "%0999999d" 1}}`, nil, "larger than"},
		{`{{call .payload.name}}`, nil, "call is not available"},
		{`{{join "," .payload.name}}`, nil, "not a list"},
	}
	for _, tt := range tests {
		got, err := render(t, tt.src, samplePayload)
		switch {
		case err == nil:
			t.Errorf("Execute(%q) = %.40q, nil; want an error", tt.src, got)
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("Execute(%q) = %v, want %v", tt.src, err, tt.want)
		case tt.want == nil && !strings.Contains(err.Error(), tt.text):
			t.Errorf("Execute(%q) = %v, want an error containing %q", tt.src, err, tt.text)
		}
	}
}

func TestRendererBody(t *testing.T) {
	payload := []byte(`{"b":1,"a":{"c":"x y"}}`)
	tests := []struct {
		opts webhook.DeliveryOptions
		want string
	}{
		{webhook.DeliveryOptions{}, string(payload)},
		{webhook.DeliveryOptions{Format: webhook.FormatForm}, `b=1&a[c]=x+y`},
		{webhook.DeliveryOptions{Format: webhook.FormatTemplate, Template: `{{.msgId}}:{{.payload.a.c}}`, ContentType: "text/plain"}, `msg_1:x y`},
	}
	for _, tt := range tests {
		r, err := New(tt.opts)
		if err != nil {
			t.Fatalf("New(%+v) = %v", tt.opts, err)
		}
		got, err := r.Body(t.Context(), nil, "msg_1", "t", 1, payload)
		if err != nil || string(got) != tt.want {
			t.Errorf("Body with %+v = %q, %v; want %q", tt.opts, got, err, tt.want)
		}
		if r.Passthrough() != (tt.opts.Format == "") {
			t.Errorf("Passthrough with %+v = %v", tt.opts, r.Passthrough())
		}
	}
	if _, err := New(webhook.DeliveryOptions{Format: webhook.FormatTemplate, Template: "{{"}); err == nil {
		t.Error("New with an unparsable template = nil error")
	}
}

// TestDocumentedExamples pins the bodies docs/delivery-options.md shows
// for the seed products' examples.
func TestDocumentedExamples(t *testing.T) {
	ontraport := webhook.DeliveryOptions{Format: webhook.FormatTemplate, ContentType: "application/x-www-form-urlencoded",
		Template: `First_Name={{urlquery .payload.firstName}}&Last_Name={{urlquery .payload.lastName}}&Email={{urlquery .payload.email}}&Company={{urlquery (default "none" .payload.company)}}&api_key=ot_KEY123&event={{.eventType}}`}
	tests := []struct {
		name    string
		opts    webhook.DeliveryOptions
		payload string
		want    string
	}{
		{"ONTRAPORT", ontraport, `{"firstName":"Ann","lastName":"O'Neil","email":"ann+1@example.com","company":"Acme & Co"}`,
			`First_Name=Ann&Last_Name=O%27Neil&Email=ann%2B1%40example.com&Company=Acme+%26+Co&api_key=ot_KEY123&event=contact.created`},
		{"ActiveCampaign", webhook.DeliveryOptions{Format: webhook.FormatForm},
			`{"contact":{"email":"ann@example.com","firstName":"Ann","fieldValues":[{"field":"1","value":"VIP"}]},"tags":["lead",2026],"optin":true,"phone":null}`,
			`contact[email]=ann%40example.com&contact[firstName]=Ann&contact[fieldValues][0][field]=1&contact[fieldValues][0][value]=VIP&tags[0]=lead&tags[1]=2026&optin=true&phone=`},
		{"2X", webhook.DeliveryOptions{Method: "PUT"}, `{"dealId":"D-1001","amount":1500.00,"currency":"EUR","contact":{"email":"ann@example.com"}}`,
			`{"dealId":"D-1001","amount":1500.00,"currency":"EUR","contact":{"email":"ann@example.com"}}`},
	}
	for _, tt := range tests {
		r, err := New(tt.opts)
		if err != nil {
			t.Fatalf("%s: New = %v", tt.name, err)
		}
		got, err := r.Body(t.Context(), nil, "msg_1", "contact.created", 1767225600, []byte(tt.payload))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: Body = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
