package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// bootstrapAdminToken makes sure an admin can log in, and that only the
// latest of the tokens the server set up itself does:
//
//   - a token given as --admin-token is stored (hashed) if new, and every
//     other bootstrap token is revoked, so changing the setting replaces
//     the old token rather than adding one;
//   - a --dev start without one prints a new token (a stored one cannot be
//     shown again) and revokes the previous dev token;
//   - otherwise a token is generated and printed on the first start only,
//     when no admin token exists.
//
// Tokens made by `hookline token create` are never touched. Legacy tokens
// (stored before kinds were) are replaced by either of the first two, as
// they came from one of them. The plain token is returned to be printed
// once.
func bootstrapAdminToken(ctx context.Context, st store.Store, cfg config.Config, logger *slog.Logger) (string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if cfg.AdminToken != "" {
		tok, err := st.TokenGetByHash(ctx, webhook.HashToken(cfg.AdminToken))
		switch {
		case err == nil && tok.AppID != "":
			return "", fmt.Errorf("admin-token: it is an app-portal token of app %s, not an admin token", tok.AppID)
		case errors.Is(err, store.ErrNotFound):
			tok = webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: webhook.HashToken(cfg.AdminToken), Kind: webhook.TokenBootstrap, CreatedAt: now}
			if err := st.TokenCreate(ctx, tok); err != nil {
				return "", fmt.Errorf("store admin token: %w", err)
			}
		case err != nil:
			return "", fmt.Errorf("look up admin token: %w", err)
		}
		return "", replaceTokens(ctx, st, logger, tok, webhook.TokenBootstrap)
	}
	if !cfg.Dev {
		exists, err := st.TokenAdminExists(ctx)
		if err != nil {
			return "", fmt.Errorf("look up admin token: %w", err)
		}
		if exists {
			return "", nil
		}
	}
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		return "", err
	}
	kind := webhook.TokenBootstrap
	if cfg.Dev {
		kind = webhook.TokenDev
	}
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, Kind: kind, CreatedAt: now}
	if err := st.TokenCreate(ctx, tok); err != nil {
		return "", fmt.Errorf("store admin token: %w", err)
	}
	if err := replaceTokens(ctx, st, logger, tok, kind); err != nil {
		return "", err
	}
	return plain, nil
}

// replaceTokens revokes the admin tokens of kind (and legacy ones) but
// tok, after tok was stored: a failure in between leaves both working,
// never none.
func replaceTokens(ctx context.Context, st store.Store, logger *slog.Logger, tok webhook.Token, kind webhook.TokenKind) error {
	n, err := st.TokenRevoke(ctx, store.TokenRevokeParams{Kinds: []webhook.TokenKind{kind, webhook.TokenLegacy}, KeepID: tok.ID})
	if err != nil {
		return fmt.Errorf("revoke the previous %s admin tokens: %w", kind, err)
	}
	if n > 0 {
		logger.Info("revoked the previous admin tokens this one replaces: they no longer work", "kind", kind, "revoked", n, "token_id", tok.ID)
	}
	return nil
}

// OpenShared opens the configured database for a short administrative
// command (`hookline token`) that must work whether or not a server runs
// on it: SQLite beside its owner (sqlite.Options.Shared: no lock, no
// migration, the schema must be this build's), PostgreSQL as one more
// node would (migrated under the advisory lock).
func OpenShared(ctx context.Context, cfg config.Config, logger *slog.Logger) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		st, _, err := openStore(ctx, cfg, logger)
		return st, err
	}
	st, err := sqlite.OpenWith(ctx, cfg.DataDir, sqlite.Options{Logger: logger, Shared: true})
	if errors.Is(err, sqlite.ErrNoDatabase) {
		return nil, fmt.Errorf("open store: %s holds no Hookline database (no %s): check --data-dir, or start the server on it once", cfg.DataDir, sqlite.DBFile)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}
