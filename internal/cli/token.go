package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// maxTokenName bounds a token's label: it is for a person reading a list.
const maxTokenName = 100

func newTokenCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "List, create and revoke admin tokens",
		Long: `List, create and revoke the API tokens stored in the database of
--data-dir (SQLite) or --database-url (PostgreSQL). They work whether the
server using that database is running or stopped: a token created is
accepted at once, a token revoked is refused within 2 seconds.

Tokens are stored hashed: a token is shown only when it is created. To get
an admin token back after losing the printed one, create a new one and
revoke the lost one.`,
		Example: `  hookline token create --name ci-deploys --expires 90d
  hookline token list
  hookline token revoke tok_2ZsTQk3gq8iNbQmRoEIoyuE2lS8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	def := config.Default()
	fs := cmd.PersistentFlags()
	addStorageFlags(fs, def)
	addCommonFlags(fs, def)
	fs.Bool("json", false, "print JSON for scripts instead of text for people")
	fs.SortFlags = false
	cmd.AddCommand(newTokenListCommand(stdout, stderr, d), newTokenCreateCommand(stdout, stderr, d), newTokenRevokeCommand(stdout, stderr, d))
	return cmd
}

// withTokenStore loads the configuration, opens the store beside any
// running server and runs fn with it.
func withTokenStore(cmd *cobra.Command, stderr io.Writer, d deps, what string, fn func(ctx context.Context, st store.Store, asJSON bool) error) error {
	cfg, err := loadConfig(cmd.Flags(), d.getenv)
	if err != nil {
		return err
	}
	asJSON, _ := cmd.Flags().GetBool("json")
	ctx := cmd.Context()
	st, err := d.openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return runErr(ctx, what, err)
	}
	defer st.Close()
	return runErr(ctx, what, fn(ctx, st, asJSON))
}

func newTokenListCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the admin tokens (with --all, the app-portal tokens too), never their secrets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withTokenStore(cmd, stderr, d, "token list", func(ctx context.Context, st store.Store, asJSON bool) error {
				toks, err := st.TokenList(ctx, store.TokenListParams{AdminOnly: !all})
				if err != nil {
					return err
				}
				if asJSON {
					return printTokensJSON(stdout, toks)
				}
				return printTokens(stdout, toks, all, time.Now())
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include app-portal tokens")
	return cmd
}

func newTokenCreateCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var name, expires string
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an admin token and print it, once",
		Long: `Create an admin token, store its hash and print the token. It is shown
this once: keep it where it is needed. It works until it expires (--expires)
or is revoked (hookline token revoke ID).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now().UTC().Truncate(time.Millisecond)
			tok, err := newCreatedToken(name, expires, now)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return withTokenStore(cmd, stderr, d, "token create", func(ctx context.Context, st store.Store, asJSON bool) error {
				plain, hash, err := webhook.NewTokenSecret()
				if err != nil {
					return err
				}
				tok.Hash = hash
				if err := st.TokenCreate(ctx, tok); err != nil {
					return err
				}
				if asJSON {
					return writeJSON(stdout, struct {
						tokenJSON
						Token string `json:"token"`
					}{toTokenJSON(tok), plain})
				}
				fmt.Fprintf(stdout, "Created admin token %s (%q), %s.\nThe token, shown this once and stored hashed:\n\n  %s\n\nRevoke it with: hookline token revoke %s\n",
					tok.ID, tok.Name, describeExpiry(tok.ExpiresAt), plain, tok.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for, shown by list (required)")
	cmd.Flags().StringVar(&expires, "expires", "", "when it stops working: a duration from now (90d, 12h) or an RFC 3339 time; default never")
	return cmd
}

// newCreatedToken checks the flags of token create and builds the token,
// without its hash.
func newCreatedToken(name, expires string, now time.Time) (webhook.Token, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return webhook.Token{}, errors.New("--name is required: say what the token is for, so that a list of tokens can be read")
	case len(name) > maxTokenName:
		return webhook.Token{}, fmt.Errorf("--name is %d bytes long, at most %d", len(name), maxTokenName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return webhook.Token{}, errors.New("--name must not contain control characters")
	}
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Kind: webhook.TokenCreated, Name: name, CreatedAt: now}
	if expires != "" {
		at, err := parseExpiry(expires, now)
		if err != nil {
			return webhook.Token{}, fmt.Errorf("--expires: %w", err)
		}
		tok.ExpiresAt = &at
	}
	return tok, nil
}

// parseExpiry reads --expires: a positive duration from now, with d for
// days beside Go's units (90d, 36h, 1d12h), or an RFC 3339 time in the
// future.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		if !at.After(now) {
			return time.Time{}, fmt.Errorf("%s is not in the future", s)
		}
		return at.UTC().Truncate(time.Millisecond), nil
	}
	var days int64
	rest := s
	if d, r, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.ParseInt(d, 10, 32)
		if err != nil {
			return time.Time{}, fmt.Errorf("want a duration such as 90d or 12h, or an RFC 3339 time, got %q", s)
		}
		days, rest = n, r
	}
	dur := time.Duration(days) * 24 * time.Hour
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return time.Time{}, fmt.Errorf("want a duration such as 90d or 12h, or an RFC 3339 time, got %q", s)
		}
		dur += d
	}
	if dur <= 0 {
		return time.Time{}, fmt.Errorf("the duration must be positive, got %q", s)
	}
	return now.Add(dur).Truncate(time.Millisecond), nil
}

func newTokenRevokeCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var allAdmin bool
	cmd := &cobra.Command{
		Use:   "revoke ID | --all-admin",
		Short: "Revoke a token by its ID (from list), or every admin token",
		Long: `Revoke a token by its ID, as token list shows it: it is refused at once
by a server on this database that is stopped, and within 2 seconds by one
that is running.

--all-admin revokes every admin token, locking every client out until a new
one exists: hookline token create makes one, and a server started without
--admin-token and no admin token left generates and prints one.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case allAdmin && len(args) > 0:
				return errors.New("give a token ID or --all-admin, not both")
			case !allAdmin && len(args) != 1:
				return errors.New("give one token ID (see hookline token list), or --all-admin")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withTokenStore(cmd, stderr, d, "token revoke", func(ctx context.Context, st store.Store, asJSON bool) error {
				p := store.TokenRevokeParams{Kinds: webhook.AdminTokenKinds()}
				if !allAdmin {
					p = store.TokenRevokeParams{ID: args[0]}
				}
				n, err := st.TokenRevoke(ctx, p)
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no token has the ID %q (hookline token list --all shows them); nothing was revoked", p.ID)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(stdout, struct {
						Revoked int `json:"revoked"`
					}{n})
				}
				if allAdmin {
					fmt.Fprintf(stdout, "Revoked %d admin tokens. Create a new one with: hookline token create --name NAME\n", n)
					return nil
				}
				fmt.Fprintf(stdout, "Revoked token %s.\n", p.ID)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&allAdmin, "all-admin", false, "revoke every admin token (app-portal tokens stay)")
	return cmd
}

// tokenJSON is a token as token list --json prints it: never its secret,
// nor its hash.
type tokenJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name,omitempty"`
	AppID      string     `json:"appId,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
}

func toTokenJSON(t webhook.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Kind: string(t.Kind), Name: t.Name, AppID: t.AppID, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt}
}

func printTokensJSON(w io.Writer, toks []webhook.Token) error {
	out := make([]tokenJSON, len(toks))
	for i, t := range toks {
		out[i] = toTokenJSON(t)
	}
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTokens writes the table of token list, times in UTC to the minute.
func printTokens(w io.Writer, toks []webhook.Token, withApp bool, now time.Time) error {
	if len(toks) == 0 {
		_, err := fmt.Fprintln(w, "No tokens. Create one with: hookline token create --name NAME")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "ID\tKIND\tNAME\tCREATED\tLAST USED\tEXPIRES"
	if withApp {
		head += "\tAPP"
	}
	fmt.Fprintln(tw, head)
	for _, t := range toks {
		expires := "never"
		if t.ExpiresAt != nil {
			expires = formatTime(*t.ExpiresAt)
			if t.Expired(now) {
				expires += " (expired)"
			}
		}
		used := "never"
		if t.LastUsedAt != nil {
			used = formatTime(*t.LastUsedAt)
		}
		name := t.Name
		if name == "" {
			name = "-"
		}
		line := strings.Join([]string{t.ID, string(t.Kind), name, formatTime(t.CreatedAt), used, expires}, "\t")
		if withApp {
			line += "\t" + t.AppID
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func describeExpiry(at *time.Time) string {
	if at == nil {
		return "never expires"
	}
	return "expires " + formatTime(*at)
}
