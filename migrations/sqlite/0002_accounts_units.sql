-- Accounts, identity and units (SQLite). Keep in step with migrations/postgres/0002_accounts_units.sql.

-- Administrative divisions (GB/T 2260): provinces and, where shipped, their cities.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT    NOT NULL,
    parent_code TEXT REFERENCES regions (code),
    level       INTEGER NOT NULL
);

ALTER TABLE units ADD COLUMN nature TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN industry TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN supervisor TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN unit_level TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN licence_file_id TEXT REFERENCES files (id);
ALTER TABLE units ADD COLUMN applicant_user_id INTEGER REFERENCES users (id);
ALTER TABLE units ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN reviewed_by INTEGER REFERENCES users (id);
ALTER TABLE units ADD COLUMN reviewed_at INTEGER;
CREATE INDEX units_by_region ON units (status, region_code);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    parent_id  INTEGER REFERENCES departments (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX departments_by_unit ON departments (unit_id);

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN ethnicity TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN native_place TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN school TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN major TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments (id);
-- Affiliation with units.unit_id: '' none, pending, approved.
ALTER TABLE users ADD COLUMN unit_status TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN unit_review_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN id_card_front_file_id TEXT REFERENCES files (id);
ALTER TABLE users ADD COLUMN id_card_back_file_id TEXT REFERENCES files (id);
ALTER TABLE users ADD COLUMN verified_at INTEGER;
-- Set by the first enrolment: name, gender and ID number no longer change.
ALTER TABLE users ADD COLUMN identity_locked INTEGER NOT NULL DEFAULT 0;
UPDATE users SET unit_status = 'approved' WHERE unit_id IS NOT NULL;
CREATE INDEX users_by_unit ON users (unit_id, unit_status);

CREATE TABLE invoice_titles (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    title        TEXT    NOT NULL,
    tax_number   TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    phone        TEXT    NOT NULL,
    bank_name    TEXT    NOT NULL,
    bank_account TEXT    NOT NULL,
    is_default   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX invoice_titles_by_user ON invoice_titles (user_id);

-- One-time codes sent by SMS: only a keyed hash is kept.
CREATE TABLE sms_codes (
    id          INTEGER PRIMARY KEY,
    phone       TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    code_hash   TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    consumed_at INTEGER,
    ip          TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX sms_codes_by_phone ON sms_codes (phone, purpose, created_at);
CREATE INDEX sms_codes_by_ip ON sms_codes (ip, created_at);

-- What the default SMS and e-mail providers "send": read at /admin/outbox.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_by_recipient ON outbox (recipient, created_at);

-- A unit asking an existing account to join it; the owner confirms or declines.
CREATE TABLE staff_invitations (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    department_id INTEGER REFERENCES departments (id),
    invited_by    INTEGER NOT NULL REFERENCES users (id),
    status        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER
);
CREATE INDEX staff_invitations_by_user ON staff_invitations (user_id, status);

-- 找回密码: a ticket (kept as a keyed hash) ties the two steps together; it is issued
-- whether or not the name and ID number match an account.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    id_number  TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);

-- The per-row report of a staff import (批量添加), kept to show and to audit.
CREATE TABLE staff_imports (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    actor_id   INTEGER NOT NULL REFERENCES users (id),
    report     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
