-- Foundation schema (SQLite). Times are Unix milliseconds (UTC), booleans 0/1,
-- money integer fen. Keep in step with migrations/postgres/0001_foundation.sql.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    credit_code TEXT    NOT NULL UNIQUE,
    region_code TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE providers (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    phone                TEXT UNIQUE,
    id_number            TEXT UNIQUE,
    name                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    real_name_verified   INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    unit_id              INTEGER REFERENCES units (id),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT    NOT NULL,
    scope_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, role, scope_id)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE captchas (
    id         TEXT PRIMARY KEY,
    answer     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE login_throttle (
    throttle_key      TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL,
    locked_until      INTEGER NOT NULL
);

CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    storage_key   TEXT    NOT NULL UNIQUE,
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    owner_user_id INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL
);

CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    category      TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    body_markdown TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    published     INTEGER NOT NULL,
    published_at  INTEGER,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    updated_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX announcements_by_category ON announcements (published, category, published_at DESC, id DESC);
CREATE INDEX announcements_by_date ON announcements (published, published_at DESC, id DESC);

CREATE TABLE announcement_attachments (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    file_id         TEXT    NOT NULL REFERENCES files (id),
    position        INTEGER NOT NULL,
    PRIMARY KEY (announcement_id, file_id)
);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    actor_user_id INTEGER REFERENCES users (id),
    action        TEXT    NOT NULL,
    object_type   TEXT    NOT NULL,
    object_id     TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    ip            TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (created_at DESC);
