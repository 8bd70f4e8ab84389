-- Certificates (培训证明, 继续教育证书), signed with the platform's Ed25519 keys. The
-- table of migration 0004 was never written to; this one replaces it.
DROP INDEX IF EXISTS certificates_by_user;
DROP TABLE certificates;

-- Signing keys: the newest one not retired signs; every key stays for verification.
CREATE TABLE certificate_keys (
    id         TEXT    PRIMARY KEY,
    secret     TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

-- One row per certificate, never changed but for its revocation. What is printed and
-- signed is stored as printed (name, masked ID number, hours), so the signature
-- checks against the row whatever later happens to the account.
CREATE TABLE certificates (
    id                  INTEGER PRIMARY KEY,
    serial              TEXT    NOT NULL UNIQUE,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    kind                TEXT    NOT NULL,
    year                INTEGER NOT NULL,
    class_id            INTEGER REFERENCES classes (id),
    title               TEXT    NOT NULL,
    holder_name         TEXT    NOT NULL,
    holder_id_number    TEXT    NOT NULL,
    public_tenths       INTEGER NOT NULL,
    professional_tenths INTEGER NOT NULL,
    elective_tenths     INTEGER NOT NULL,
    total_tenths        INTEGER NOT NULL,
    -- The version of the year's requirement (in the person's region) a yearly
    -- certificate was judged under.
    requirement_version INTEGER,
    issuer              TEXT    NOT NULL,
    issued_on           TEXT    NOT NULL,
    issued_at           INTEGER NOT NULL,
    key_id              TEXT    NOT NULL REFERENCES certificate_keys (id),
    signature           TEXT    NOT NULL,
    revoked_at          INTEGER,
    revoked_by          INTEGER REFERENCES users (id),
    revoke_reason       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX certificates_by_user ON certificates (user_id, issued_at);
-- Issued once: one live certificate per person and year, and per person and class.
CREATE UNIQUE INDEX certificates_one_yearly ON certificates (user_id, year)
    WHERE kind = 'yearly' AND revoked_at IS NULL;
CREATE UNIQUE INDEX certificates_one_training ON certificates (user_id, class_id)
    WHERE kind = 'training' AND revoked_at IS NULL;
