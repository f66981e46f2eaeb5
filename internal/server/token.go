package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// bootstrapAdminToken makes sure an admin can log in. A token given in
// the configuration is stored (hashed) if new. Otherwise one is generated
// on first start, or on every --dev start since a stored one cannot be
// shown again; the plain token is returned to be printed once.
func bootstrapAdminToken(ctx context.Context, st store.Store, cfg config.Config) (string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if cfg.AdminToken != "" {
		hash := webhook.HashToken(cfg.AdminToken)
		_, err := st.TokenGetByHash(ctx, hash)
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("look up admin token: %w", err)
		}
		tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, CreatedAt: now}
		if err := st.TokenCreate(ctx, tok); err != nil {
			return "", fmt.Errorf("store admin token: %w", err)
		}
		return "", nil
	}
	exists, err := st.TokenAdminExists(ctx)
	if err != nil {
		return "", fmt.Errorf("look up admin token: %w", err)
	}
	if exists && !cfg.Dev {
		return "", nil
	}
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		return "", err
	}
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, CreatedAt: now}
	if err := st.TokenCreate(ctx, tok); err != nil {
		return "", fmt.Errorf("store admin token: %w", err)
	}
	return plain, nil
}
