package verify

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/signature"
)

var hashes = map[string]func() hash.Hash{
	AlgorithmSHA1: sha1.New, AlgorithmSHA256: sha256.New, AlgorithmSHA512: sha512.New,
}

// encodings decode a signature as written. Base64 padding is optional:
// senders differ, and the decoded MAC is what is compared.
var encodings = map[string]func(string) ([]byte, error){
	EncodingHex:       hex.DecodeString,
	EncodingBase64:    func(s string) ([]byte, error) { return decodeBase64(base64.StdEncoding, s) },
	EncodingBase64URL: func(s string) ([]byte, error) { return decodeBase64(base64.URLEncoding, s) },
}

func decodeBase64(enc *base64.Encoding, s string) ([]byte, error) {
	return enc.WithPadding(base64.NoPadding).Strict().DecodeString(strings.TrimRight(s, "="))
}

// decodeSecret turns an hmac secret into its key per secretEncoding.
func decodeSecret(secretEncoding, s string) ([]byte, error) {
	switch secretEncoding {
	case "", SecretText:
		return []byte(s), nil
	case SecretBase64:
		k, err := decodeBase64(base64.StdEncoding, s)
		if err != nil {
			return nil, fmt.Errorf("not base64, as secretEncoding says: %v", err)
		}
		return k, nil
	case SecretHex:
		k, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("not hex, as secretEncoding says: %v", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("unknown secretEncoding %q", secretEncoding)
}

// bodyHint is the likeliest cause of a signature over the body that does
// not match with the right secret.
const bodyHint = "the signature covers the body's exact bytes: a proxy or framework that re-encodes, re-indents or re-compresses the body breaks it"

func (d *Diagnosis) secretHint() {
	if len(d.Secrets) == 1 {
		d.hint("check the secret is the one this sender signs with; otherwise " + bodyHint)
	} else {
		d.hint("none of the %d secrets matched; otherwise "+bodyHint, len(d.Secrets))
	}
}

// hmacScheme is the generic HMAC: header, prefix, encoding, algorithm,
// and a template of what is signed.
func (d *Diagnosis) hmacScheme(cfg Config, req Request, now time.Time) string {
	tmpl, _ := parseTemplate(cfg.Template) // Check parsed it
	raw := d.read(req, cfg.Header)
	if raw == "" {
		return fmt.Sprintf("no %s header", cfg.Header)
	}
	enc, ok := strings.CutPrefix(raw, cfg.Prefix)
	if !ok {
		return fmt.Sprintf("%s does not start with %q", cfg.Header, cfg.Prefix)
	}
	mac, err := encodings[cfg.Encoding](strings.TrimSpace(enc))
	if err != nil {
		return fmt.Sprintf("%s is not %s", cfg.Header, cfg.Encoding)
	}
	newHash := hashes[cfg.Algorithm]
	if size := newHash().Size(); len(mac) != size {
		d.hint("an HMAC-%s is %d bytes; the header holds %d: is the algorithm or the encoding right?", strings.ToUpper(cfg.Algorithm), size, len(mac))
	}

	var ts, stale string
	if cfg.TimestampHeader != "" {
		ts = d.read(req, cfg.TimestampHeader)
		if ts == "" {
			return fmt.Sprintf("no %s header", cfg.TimestampHeader)
		}
		n, ok := parseUnix(ts)
		if !ok {
			return fmt.Sprintf("%s %q is not Unix seconds", cfg.TimestampHeader, ts)
		}
		stale = d.checkTimestamp(n, now, cfg.tolerance())
	}
	d.SignedContent = tmpl.preview(req, ts)
	key := func(s string) ([]byte, error) { return decodeSecret(cfg.SecretEncoding, s) }
	write := func(w io.Writer) { tmpl.render(w, req, ts) }
	if !d.matchMAC(cfg.secrets(), key, newHash, write, [][]byte{mac}) {
		d.secretHint()
		if tmpl.String() == "{body}" {
			return "signature does not match the body"
		}
		return "signature does not match " + tmpl.String()
	}
	return stale
}

// Standard Webhooks header families; the svix-* one is read only when no
// webhook-* header is present, and the three always come from one family.
var (
	webhookFamily = [3]string{"webhook-id", "webhook-timestamp", "webhook-signature"}
	svixFamily    = [3]string{"svix-id", "svix-timestamp", "svix-signature"}
)

// standardWebhooks follows the Standard Webhooks specification: the
// signature header holds space-separated "v1,<base64>" entries over
// "id.timestamp.body", keyed by the whsec_ secret's bytes.
func (d *Diagnosis) standardWebhooks(cfg Config, req Request, now time.Time) string {
	family := webhookFamily
	if !anyPresent(req, webhookFamily) && anyPresent(req, svixFamily) {
		family = svixFamily
	}
	var vals [3]string
	for i, name := range family {
		vals[i] = d.read(req, name)
	}
	var missing []string
	for i, v := range vals {
		if v == "" {
			missing = append(missing, family[i])
		}
	}
	switch {
	case len(missing) == 3:
		return "no webhook-id, webhook-timestamp and webhook-signature headers (nor svix-id, svix-timestamp and svix-signature)"
	case len(missing) > 0:
		return "no " + strings.Join(missing, " and ") + " header"
	}
	id, tsText, sigs := vals[0], vals[1], vals[2]
	ts, ok := parseUnix(tsText)
	if !ok {
		return fmt.Sprintf("%s %q is not Unix seconds", family[1], tsText)
	}
	var candidates [][]byte
	others := 0
	for entry := range strings.SplitSeq(sigs, " ") {
		enc, ok := strings.CutPrefix(entry, "v1,")
		if !ok {
			if entry != "" {
				others++
			}
			continue
		}
		if mac, err := base64.StdEncoding.Strict().DecodeString(enc); err == nil {
			candidates = append(candidates, mac)
		} else {
			d.hint("%s has a v1 entry that is not base64: %.40q", family[2], enc)
		}
	}
	if len(candidates) == 0 {
		if others > 0 {
			return fmt.Sprintf("%s has no v1 signature (asymmetric v1a is not supported)", family[2])
		}
		return fmt.Sprintf("%s has no v1 signature", family[2])
	}
	stale := d.checkTimestamp(ts, now, cfg.tolerance())
	d.SignedContent = fmt.Sprintf("%s.%s.<body, %d bytes>", id, tsText, len(req.Body))
	key := func(s string) ([]byte, error) { return signature.DecodeSecret(s) }
	write := func(w io.Writer) {
		io.WriteString(w, id+"."+tsText+".")
		w.Write(req.Body)
	}
	if !d.matchMAC(cfg.secrets(), key, sha256.New, write, candidates) {
		d.secretHint()
		return "signature does not match the body"
	}
	return stale
}

func anyPresent(req Request, names [3]string) bool {
	for _, n := range names {
		if req.Header.Get(n) != "" {
			return true
		}
	}
	return false
}

// stripe follows Stripe's scheme (stripe-go's webhook package):
// Stripe-Signature is "t=<unix>,v1=<hex>[,v1=...][,v0=...]", the HMAC-SHA256
// of "t.body" keyed by the whsec_ secret's text.
func (d *Diagnosis) stripe(cfg Config, req Request, now time.Time) string {
	const header = "Stripe-Signature"
	raw := d.read(req, header)
	if raw == "" {
		return "no Stripe-Signature header"
	}
	var tsText string
	var candidates [][]byte
	others := 0
	for pair := range strings.SplitSeq(raw, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return fmt.Sprintf("Stripe-Signature is not t=...,v1=... (%.40q has no =)", pair)
		}
		switch k {
		case "t":
			if tsText != "" {
				return "Stripe-Signature has two t= timestamps"
			}
			tsText = v
		case "v1":
			if mac, err := hex.DecodeString(v); err == nil {
				candidates = append(candidates, mac)
			} else {
				d.hint("Stripe-Signature has a v1 entry that is not hex: %.40q", v)
			}
		default:
			others++
		}
	}
	if tsText == "" {
		return "Stripe-Signature has no t= timestamp"
	}
	ts, ok := parseUnix(tsText)
	if !ok {
		return fmt.Sprintf("Stripe-Signature t=%q is not Unix seconds", tsText)
	}
	if len(candidates) == 0 {
		return "Stripe-Signature has no v1 signature"
	}
	stale := d.checkTimestamp(ts, now, cfg.tolerance())
	d.SignedContent = fmt.Sprintf("%s.<body, %d bytes>", tsText, len(req.Body))
	write := func(w io.Writer) {
		io.WriteString(w, tsText+".")
		w.Write(req.Body)
	}
	if !d.matchMAC(cfg.secrets(), textKey, sha256.New, write, candidates) {
		if !strings.HasPrefix(cfg.Secret, "whsec_") {
			d.hint("Stripe's signing secrets start with whsec_: it is the webhook endpoint's signing secret, not an API key")
		}
		d.secretHint()
		return "signature does not match the body"
	}
	return stale
}

// github follows GitHub's "Validating webhook deliveries":
// X-Hub-Signature-256 is "sha256=<hex HMAC-SHA256 of the body>", keyed by
// the secret's text. The SHA-1 X-Hub-Signature is never read.
func (d *Diagnosis) github(cfg Config, req Request) string {
	const header = "X-Hub-Signature-256"
	raw := d.read(req, header)
	if raw == "" {
		if req.Header.Get("X-Hub-Signature") != "" {
			d.hint("X-Hub-Signature (SHA-1) is present; this scheme reads only X-Hub-Signature-256, which GitHub sends beside it")
		}
		return "no X-Hub-Signature-256 header"
	}
	enc, ok := strings.CutPrefix(raw, "sha256=")
	if !ok {
		return `X-Hub-Signature-256 does not start with "sha256="`
	}
	mac, err := hex.DecodeString(enc)
	if err != nil {
		return "X-Hub-Signature-256 is not sha256=<hex>"
	}
	return d.bodyMAC(cfg, req, mac)
}

// shopify follows Shopify's "Verify webhooks": X-Shopify-Hmac-Sha256 is
// the base64 HMAC-SHA256 of the body, keyed by the app's client secret.
func (d *Diagnosis) shopify(cfg Config, req Request) string {
	const header = "X-Shopify-Hmac-Sha256"
	raw := d.read(req, header)
	if raw == "" {
		return "no X-Shopify-Hmac-Sha256 header"
	}
	mac, err := base64.StdEncoding.Strict().DecodeString(raw)
	if err != nil {
		return "X-Shopify-Hmac-Sha256 is not base64"
	}
	return d.bodyMAC(cfg, req, mac)
}

// bodyMAC checks an HMAC-SHA256 of the body keyed by the secret's text.
func (d *Diagnosis) bodyMAC(cfg Config, req Request, mac []byte) string {
	d.SignedContent = fmt.Sprintf("<body, %d bytes>", len(req.Body))
	write := func(w io.Writer) { w.Write(req.Body) }
	if !d.matchMAC(cfg.secrets(), textKey, sha256.New, write, [][]byte{mac}) {
		d.secretHint()
		return "signature does not match the body"
	}
	return ""
}

// basic checks Authorization: Basic base64(username:password) (RFC 7617).
func (d *Diagnosis) basic(cfg Config, req Request) string {
	raw := d.read(req, "Authorization")
	scheme, creds, _ := strings.Cut(raw, " ")
	if raw == "" {
		return "no Authorization header"
	}
	if !strings.EqualFold(scheme, "Basic") {
		d.mask(raw, "")
		return "Authorization is not Basic credentials"
	}
	d.mask(raw, scheme+" ")
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(creds))
	if err != nil {
		return "Authorization Basic credentials are not base64"
	}
	user, pass, ok := bytes.Cut(decoded, []byte{':'})
	if !ok {
		return "Authorization Basic credentials are not username:password"
	}
	userOK := equalSecret(user, cfg.Username)
	passOK := d.matchSecret(cfg, pass)
	switch {
	case userOK && passOK:
		return ""
	case !userOK && !passOK:
		d.hint("neither the username nor the password matches")
	case !userOK:
		d.hint("the password matches but the username does not")
	default:
		d.hint("the username matches but the password does not")
	}
	return "username or password does not match"
}

// apiKey checks a fixed key in a header, after an optional prefix.
func (d *Diagnosis) apiKey(cfg Config, req Request) string {
	raw := d.read(req, cfg.Header)
	if raw == "" {
		return fmt.Sprintf("no %s header", cfg.Header)
	}
	key, ok := strings.CutPrefix(raw, cfg.Prefix)
	if !ok {
		d.mask(raw, "")
		return fmt.Sprintf("%s does not start with %q", cfg.Header, cfg.Prefix)
	}
	d.mask(raw, cfg.Prefix)
	if !d.matchSecret(cfg, []byte(key)) {
		return fmt.Sprintf("%s does not match the key", cfg.Header)
	}
	return ""
}

// matchSecret compares got with every secret in constant time.
func (d *Diagnosis) matchSecret(cfg Config, got []byte) bool {
	found := false
	for _, s := range cfg.secrets() {
		m := equalSecret(got, s.value)
		d.Secrets = append(d.Secrets, SecretMatch{Name: s.name, Matched: m})
		found = found || m
	}
	return found
}

// equalSecret compares in constant time, lengths included: both sides are
// hashed first, so neither a password's length nor a prefix of it shows
// in the time taken.
func equalSecret(got []byte, want string) bool {
	a, b := sha256.Sum256(got), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
