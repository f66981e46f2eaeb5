package api

// Stubs to be replaced (apps, endpoints, event types, auth, health): delete each as its handler lands; delete the file when empty.

import "net/http"

func (a *API) endpointList(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointCreate(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointGet(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointUpdate(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointPatch(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointDelete(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointHeadersGet(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointHeadersUpdate(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointHeadersPatch(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointRecover(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointSecretGet(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointSecretRotate(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointSendExample(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointStats(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) authAppPortalAccess(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) authDashboardAccess(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) authLogout(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) healthPing(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}
