package api

// Stubs to be replaced (messages and attempts): delete each as its handler lands; delete the file when empty.

import "net/http"

func (a *API) attemptListByEndpoint(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) attemptListByMessage(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) endpointMessageList(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageList(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageCreate(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageGet(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) attemptListByMessageDeprecated(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) attemptGet(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) attemptExpungeContent(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageExpungeContent(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageEndpointList(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) attemptListByMessageEndpoint(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}

func (a *API) messageResend(w http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Code: "not_implemented", Detail: "This API endpoint is not yet implemented."}
}
