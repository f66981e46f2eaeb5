package api

import (
	"net/http"

	"github.com/hookline/hookline/internal/openapi"
)

// registrar is where routes are registered: an *http.ServeMux, or in
// tests a recorder of the patterns.
type registrar interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// routes lists every route of the API. The Svix API v1 paths come first,
// in the order of its OpenAPI document; Hookline's own follow. Paths are
// written without a trailing slash: Handler trims one before routing.
func (a *API) routes(mux registrar) {
	post := func(level access, fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
		return a.auth(level, a.idempotent(fn))
	}

	// Applications.
	mux.HandleFunc("GET /api/v1/app", a.auth(adminOnly, a.appList))
	mux.HandleFunc("POST /api/v1/app", post(adminOnly, a.appCreate))
	mux.HandleFunc("GET /api/v1/app/{app_id}", a.auth(appScoped, a.appGet))
	mux.HandleFunc("PUT /api/v1/app/{app_id}", a.auth(adminOnly, a.appUpdate))
	mux.HandleFunc("PATCH /api/v1/app/{app_id}", a.auth(adminOnly, a.appPatch))
	mux.HandleFunc("DELETE /api/v1/app/{app_id}", a.auth(adminOnly, a.appDelete))

	// Attempts.
	mux.HandleFunc("GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", a.auth(appScoped, a.attemptListByEndpoint))
	mux.HandleFunc("GET /api/v1/app/{app_id}/attempt/msg/{msg_id}", a.auth(appScoped, a.attemptListByMessage))

	// Endpoints.
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint", a.auth(appScoped, a.endpointList))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint", post(appScoped, a.endpointCreate))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}", a.auth(appScoped, a.endpointGet))
	mux.HandleFunc("PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}", a.auth(appScoped, a.endpointUpdate))
	mux.HandleFunc("PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}", a.auth(appScoped, a.endpointPatch))
	mux.HandleFunc("DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id}", a.auth(appScoped, a.endpointDelete))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", a.auth(appScoped, a.endpointHeadersGet))
	mux.HandleFunc("PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", a.auth(appScoped, a.endpointHeadersUpdate))
	mux.HandleFunc("PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", a.auth(appScoped, a.endpointHeadersPatch))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg", a.auth(appScoped, a.endpointMessageList))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", post(appScoped, a.endpointRecover))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/replay-missing", post(appScoped, a.endpointReplayMissing))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", a.auth(appScoped, a.endpointSecretGet))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", post(appScoped, a.endpointSecretRotate))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", post(appScoped, a.endpointSendExample))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", a.auth(appScoped, a.endpointStats))

	// Messages.
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg", a.auth(appScoped, a.messageList))
	mux.HandleFunc("POST /api/v1/app/{app_id}/msg", post(appScoped, a.messageCreate))
	mux.HandleFunc("POST /api/v1/app/{app_id}/msg/expunge-all-contents", post(adminOnly, a.messageExpungeAllContents))
	mux.HandleFunc("POST /api/v1/app/{app_id}/msg/precheck/active", post(appScoped, a.messagePrecheck))
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg/{msg_id}", a.auth(appScoped, a.messageGet))
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg/{msg_id}/attempt", a.auth(appScoped, a.attemptListByMessageDeprecated))
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", a.auth(appScoped, a.attemptGet))
	mux.HandleFunc("DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content", a.auth(appScoped, a.attemptExpungeContent))
	mux.HandleFunc("DELETE /api/v1/app/{app_id}/msg/{msg_id}/content", a.auth(appScoped, a.messageExpungeContent))
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint", a.auth(appScoped, a.messageEndpointList))
	mux.HandleFunc("GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/attempt", a.auth(appScoped, a.attemptListByMessageEndpoint))
	mux.HandleFunc("POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", post(appScoped, a.messageResend))

	// Authentication.
	mux.HandleFunc("POST /api/v1/auth/app-portal-access/{app_id}", post(adminOnly, a.authAppPortalAccess))
	mux.HandleFunc("POST /api/v1/auth/dashboard-access/{app_id}", post(adminOnly, a.authDashboardAccess))
	mux.HandleFunc("POST /api/v1/auth/app/{app_id}/expire-all", post(adminOnly, a.authExpireAll))
	mux.HandleFunc("POST /api/v1/auth/logout", a.auth(anyToken, a.authLogout))

	// Event types.
	mux.HandleFunc("GET /api/v1/event-type", a.auth(anyToken, a.eventTypeList))
	mux.HandleFunc("POST /api/v1/event-type", post(adminOnly, a.eventTypeCreate))
	mux.HandleFunc("POST /api/v1/event-type/schema/generate-example", post(anyToken, a.eventTypeGenerateExample))
	mux.HandleFunc("GET /api/v1/event-type/{event_type_name}", a.auth(anyToken, a.eventTypeGet))
	mux.HandleFunc("PUT /api/v1/event-type/{event_type_name}", a.auth(adminOnly, a.eventTypeUpdate))
	mux.HandleFunc("PATCH /api/v1/event-type/{event_type_name}", a.auth(adminOnly, a.eventTypePatch))
	mux.HandleFunc("DELETE /api/v1/event-type/{event_type_name}", a.auth(adminOnly, a.eventTypeDelete))

	// Health: no token needed, so load balancers can probe it. GET covers
	// HEAD in ServeMux patterns.
	mux.HandleFunc("GET /api/v1/health", a.handle(a.health))
	mux.HandleFunc("GET /api/v1/health/ping", a.handle(a.healthPing))

	// Hookline's own.
	mux.Handle("GET /api/v1/openapi.json", openapi.Handler())
	mux.HandleFunc("GET /api/v1/app/{app_id}/health", a.auth(appScoped, a.appHealth))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/health", a.auth(appScoped, a.endpointHealth))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/ping", a.auth(appScoped, a.endpointPing))
	mux.HandleFunc("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options", a.auth(appScoped, a.deliveryOptionsGet))
	mux.HandleFunc("PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options", a.auth(appScoped, a.deliveryOptionsUpdate))
	mux.HandleFunc("PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options", a.auth(appScoped, a.deliveryOptionsPatch))
	mux.HandleFunc("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options/preview", post(appScoped, a.deliveryOptionsPreview))

	// The request inspector (inspector.go, inspector_captures.go,
	// inspector_stream.go).
	mux.HandleFunc("GET /api/v1/inspector/bin", a.auth(adminOnly, a.binList))
	mux.HandleFunc("POST /api/v1/inspector/bin", a.auth(adminOnly, a.binCreate))
	mux.HandleFunc("GET /api/v1/inspector/bin/{bin_id}", a.auth(adminOnly, a.binGet))
	mux.HandleFunc("PATCH /api/v1/inspector/bin/{bin_id}", a.auth(adminOnly, a.binPatch))
	mux.HandleFunc("DELETE /api/v1/inspector/bin/{bin_id}", a.auth(adminOnly, a.binDelete))
	mux.HandleFunc("POST /api/v1/inspector/bin/{bin_id}/rotate-token", a.auth(adminOnly, a.binRotateToken))
	mux.HandleFunc("GET /api/v1/inspector/bin/{bin_id}/request", a.auth(adminOnly, a.captureList))
	mux.HandleFunc("GET /api/v1/inspector/bin/{bin_id}/request/stream", a.auth(adminOnly, a.captureStream))
	mux.HandleFunc("GET /api/v1/inspector/bin/{bin_id}/request/{cap_id}", a.auth(adminOnly, a.captureGet))
	mux.HandleFunc("GET /api/v1/inspector/bin/{bin_id}/request/{cap_id}/raw", a.auth(adminOnly, a.captureRaw))
	mux.HandleFunc("POST /api/v1/inspector/bin/{bin_id}/request/{cap_id}/replay", a.auth(adminOnly, a.captureReplay))
	mux.HandleFunc("POST /api/v1/inspector/bin/{bin_id}/request/{cap_id}/verify", a.auth(adminOnly, a.captureVerify))

	// Inbound sources: not idempotent(), as create and rotate-token answer
	// the ingest token, which must not be kept for a replay.
	mux.HandleFunc("GET /api/v1/source", a.auth(adminOnly, a.sourceList))
	mux.HandleFunc("POST /api/v1/source", a.auth(adminOnly, a.sourceCreate))
	mux.HandleFunc("GET /api/v1/source/{source_id}", a.auth(adminOnly, a.sourceGet))
	mux.HandleFunc("PATCH /api/v1/source/{source_id}", a.auth(adminOnly, a.sourcePatch))
	mux.HandleFunc("DELETE /api/v1/source/{source_id}", a.auth(adminOnly, a.sourceDelete))
	mux.HandleFunc("POST /api/v1/source/{source_id}/rotate-token", a.auth(adminOnly, a.sourceRotateToken))
	mux.HandleFunc("GET /api/v1/source/{source_id}/request", a.auth(adminOnly, a.inboundRequestList))
	mux.HandleFunc("GET /api/v1/source/{source_id}/request/{request_id}", a.auth(adminOnly, a.inboundRequestGet))
}
