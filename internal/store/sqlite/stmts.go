package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// stmts are the hot path's statements, prepared once on the writer. The
// writer has one connection, so tx.StmtContext reuses them inside every
// transaction instead of parsing the SQL again. The SQL itself sits beside
// the Go that runs it.
type stmts struct {
	savepoint, release, rollbackTo *sql.Stmt

	insertIdempotency *sql.Stmt
	insertMessage     *sql.Stmt
	insertDelivery    *sql.Stmt
	insertInbound     *sql.Stmt

	claimMessages     *sql.Stmt
	claimMessagesRead *sql.Stmt // on the read pool
	insertAttempt     *sql.Stmt
	recordDelivery    *sql.Stmt
	postpone          *sql.Stmt
	disableEP         *sql.Stmt
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.stmts.savepoint, `SAVEPOINT item`},
		{&s.stmts.release, `RELEASE item`},
		{&s.stmts.rollbackTo, `ROLLBACK TO item`},
		{&s.stmts.insertIdempotency, insertIdempotencySQL},
		{&s.stmts.insertMessage, insertMessageSQL},
		{&s.stmts.insertDelivery, insertDeliverySQL},
		{&s.stmts.insertInbound, insertInboundRequestSQL},
		{&s.stmts.claimMessages, claimMessagesSQL},
		{&s.stmts.insertAttempt, insertAttemptSQL},
		{&s.stmts.recordDelivery, recordDeliverySQL},
		{&s.stmts.postpone, postponeDeliverySQL},
		{&s.stmts.disableEP, disableEndpointSQL},
	} {
		st, err := s.w.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = st
	}
	st, err := s.r.PrepareContext(ctx, claimMessagesSQL)
	if err != nil {
		return fmt.Errorf("prepare %q: %w", claimMessagesSQL, err)
	}
	s.stmts.claimMessagesRead = st
	return nil
}

func (st *stmts) close() {
	for _, p := range []*sql.Stmt{
		st.savepoint, st.release, st.rollbackTo,
		st.insertIdempotency, st.insertMessage, st.insertDelivery, st.insertInbound,
		st.claimMessages, st.claimMessagesRead, st.insertAttempt, st.recordDelivery, st.postpone, st.disableEP,
	} {
		if p != nil {
			p.Close()
		}
	}
}

const insertIdempotencySQL = `INSERT INTO idempotency (key, status_code, body, created_at) VALUES (?, ?, ?, ?)`
