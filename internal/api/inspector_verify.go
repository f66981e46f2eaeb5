package api

import (
	"net/http"

	"github.com/hookline/hookline/internal/inbound/verify"
)

// captureVerifyOut is the inspector's "why does my signature fail": the
// verify package's diagnosis of the captured request (which headers were
// read, what was signed, which secret matched or not, the timestamp's
// skew), checked as of the moment the request was received.
type captureVerifyOut struct {
	verify.Diagnosis
	CheckedAt Time `json:"checkedAt"`
}

// captureVerify checks a captured request against the verification
// settings in the body, the same settings a source takes. The timestamp
// is judged against the capture's receivedAt, not now: a request caught
// an hour ago was as fresh as it was then, and its skew then is what the
// sender's clock tells. Nothing is stored; the secrets sent are used for
// this check only and never echoed.
func (a *API) captureVerify(w http.ResponseWriter, r *http.Request) error {
	c, err := a.capture(r)
	if err != nil {
		return err
	}
	var cfg verify.Config
	if err := a.decodeStrict(w, r, &cfg); err != nil {
		return err
	}
	if err := cfg.Check(); err != nil {
		return errOptions(err.Error())
	}
	d := verify.Diagnose(cfg, verify.Request{Method: c.Method, Path: c.Path, Query: c.Query, Header: c.Header, Body: c.Body}, c.ReceivedAt)
	writeJSON(w, http.StatusOK, captureVerifyOut{Diagnosis: d, CheckedAt: Time(c.ReceivedAt)})
	return nil
}
