-- Background jobs (sqlite). Keep in step with migrations/postgres/0017_jobs.sql.
-- One row per periodic job. A server runs a job only after claiming its row with a
-- conditional update (due, and no other server's lease still good); the lease lets
-- another server take over from one that died. Failures count up and back off.
CREATE TABLE jobs (
    name         TEXT PRIMARY KEY,
    run_after    INTEGER NOT NULL,
    locked_by    TEXT,
    locked_until INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    last_run_at  INTEGER,
    runs         INTEGER NOT NULL DEFAULT 0
);
