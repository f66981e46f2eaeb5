package dashboard

import (
	"context"
	"net/http"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// messageStore is what the message log reads.
type messageStore interface {
	MessageGet(ctx context.Context, appID, idOrEventID string) (webhook.Message, error)
	MessageList(ctx context.Context, p store.MessageListParams) ([]webhook.Message, error)
	AttemptList(ctx context.Context, p store.AttemptListParams) ([]webhook.Attempt, error)
}

// messageEngine is what the message log's actions ask of the engine.
type messageEngine interface {
	Resend(ctx context.Context, appID, msgID, endpointID string) error
	Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error)
}

// messageRoutes are the pages of an app's message log.
func (d *Dashboard) messageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/messages", d.inApp(d.messageList))
}

// messageList is the app's message log.
func (d *Dashboard) messageList(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.render(w, http.StatusOK, "messages", a.page("Messages", "messages", nil))
}
