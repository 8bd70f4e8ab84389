-- 证书打印 by a unit: one PDF of the chosen staff's certificates for a year, made by the
-- background job (claimed once across app servers) while the page shows its progress.
CREATE TABLE certificate_batches (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    year         INTEGER NOT NULL,
    -- The chosen people, a JSON array of user ids.
    user_ids     TEXT    NOT NULL,
    total        INTEGER NOT NULL,
    -- People handled so far, and certificates in the file (the rest were not due).
    done         INTEGER NOT NULL DEFAULT 0,
    printed      INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL,
    file_id      TEXT    REFERENCES files (id),
    error        TEXT    NOT NULL DEFAULT '',
    -- The job's claim: when it was taken (a claim older than the job's lease may be
    -- taken over), and how many times, so a batch that keeps failing stops.
    claimed_at   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX certificate_batches_open ON certificate_batches (status, id);
CREATE INDEX certificate_batches_by_unit ON certificate_batches (unit_id, id);
