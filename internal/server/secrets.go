package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
)

// EncryptionKey returns the key the configuration gives for endpoint
// secrets at rest, or nil when it gives none.
func EncryptionKey(cfg config.Config) (*seal.Key, error) {
	if len(cfg.EncryptionKey) == 0 {
		return nil, nil
	}
	return seal.NewKey(cfg.EncryptionKey)
}

// secureEndpointSecrets makes the database's endpoint secrets agree with
// the configured key before anything reads them: encrypted ones must open
// with it (otherwise the server stops here, having changed nothing), and
// with a key, those still in plain text are encrypted now, with progress
// in the log.
func secureEndpointSecrets(ctx context.Context, st store.Store, cfg config.Config, logger *slog.Logger) error {
	err := st.EndpointSecretsCheck(ctx)
	switch {
	case errors.Is(err, seal.ErrWrongKey):
		return fmt.Errorf("endpoint secrets in the database were encrypted with another key than the encryption key given; give the one they were encrypted with. Nothing was changed. (%w)", err)
	case errors.Is(err, store.ErrEncryptionKey):
		return fmt.Errorf("endpoint secrets in the database are encrypted, and no encryption key is set: set HOOKLINE_ENCRYPTION_KEY (or --encryption-key-file) to the key they were encrypted with. Nothing was changed. (%w)", err)
	case err != nil:
		return fmt.Errorf("check endpoint secrets: %w", err)
	}
	key, err := EncryptionKey(cfg)
	if err != nil || key == nil {
		return err
	}
	n, err := st.EndpointSecretsSeal(ctx, store.EndpointSecretsSealParams{Progress: func(done, total int) {
		logger.Info("encrypting the endpoint secrets stored in plain text", "done", done, "endpoints", total, "key_id", key.ID())
	}})
	if err != nil {
		return fmt.Errorf("encrypt the endpoint secrets stored in plain text (%d done; a restart continues): %w", n, err)
	}
	if n > 0 {
		logger.Info("encrypted the endpoint secrets that were stored in plain text", "endpoints", n, "key_id", key.ID())
	}
	logger.Info("endpoint secrets and custom headers are stored encrypted", "key_id", key.ID())
	return nil
}

// secureSourceSecrets does for inbound sources' verification secrets what
// secureEndpointSecrets does for endpoints: sealed ones must open with
// the configured key, and plain ones are sealed when there is a key.
func secureSourceSecrets(ctx context.Context, st store.Store, cfg config.Config, logger *slog.Logger) error {
	err := st.SourceSecretsCheck(ctx)
	switch {
	case errors.Is(err, seal.ErrWrongKey):
		return fmt.Errorf("source secrets in the database were encrypted with another key than the encryption key given; give the one they were encrypted with. Nothing was changed. (%w)", err)
	case errors.Is(err, store.ErrEncryptionKey):
		return fmt.Errorf("source secrets in the database are encrypted, and no encryption key is set: set HOOKLINE_ENCRYPTION_KEY (or --encryption-key-file) to the key they were encrypted with. Nothing was changed. (%w)", err)
	case err != nil:
		return fmt.Errorf("check source secrets: %w", err)
	}
	key, err := EncryptionKey(cfg)
	if err != nil || key == nil {
		return err
	}
	n, err := st.SourceSecretsSeal(ctx)
	if err != nil {
		return fmt.Errorf("encrypt the source secrets stored in plain text (a restart continues): %w", err)
	}
	if n > 0 {
		logger.Info("encrypted the source secrets that were stored in plain text", "sources", n, "key_id", key.ID())
	}
	return nil
}
