-- Catalogue and enrolment (SQLite). Keep in step with migrations/postgres/0004_catalogue_enrolment.sql.

-- 培训班. Money in fen, hours in tenths, dates as 'YYYY-MM-DD' (China time).
CREATE TABLE classes (
    id                 INTEGER PRIMARY KEY,
    provider_id        INTEGER NOT NULL REFERENCES providers (id),
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    mode               TEXT    NOT NULL,
    year               INTEGER NOT NULL,
    hours_public       INTEGER NOT NULL,
    hours_professional INTEGER NOT NULL,
    hours_elective     INTEGER NOT NULL,
    fee_fen            INTEGER NOT NULL,
    capacity           INTEGER NOT NULL,
    seats_taken        INTEGER NOT NULL DEFAULT 0,
    opens_on           TEXT    NOT NULL,
    closes_on          TEXT    NOT NULL,
    region_code        TEXT    NOT NULL,
    needs_review       INTEGER NOT NULL,
    needs_job_title    INTEGER NOT NULL,
    needs_photo        INTEGER NOT NULL,
    exam_subjects      TEXT    NOT NULL,
    exam_types         TEXT    NOT NULL,
    notice             TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    created_by         INTEGER NOT NULL REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK (seats_taken >= 0 AND seats_taken <= capacity)
);
CREATE INDEX classes_by_state ON classes (state, year);
CREATE INDEX classes_by_provider ON classes (provider_id);

-- 住宿 options of an offline class.
CREATE TABLE class_lodgings (
    id        INTEGER PRIMARY KEY,
    class_id  INTEGER NOT NULL REFERENCES classes (id),
    name      TEXT    NOT NULL,
    price_fen INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    UNIQUE (class_id, name)
);

-- 期次.
CREATE TABLE class_sessions (
    id             INTEGER PRIMARY KEY,
    class_id       INTEGER NOT NULL REFERENCES classes (id),
    name           TEXT    NOT NULL,
    starts_on      TEXT    NOT NULL,
    ends_on        TEXT    NOT NULL,
    place          TEXT    NOT NULL,
    checkin_opens  TEXT    NOT NULL,
    checkin_closes TEXT    NOT NULL,
    capacity       INTEGER NOT NULL,
    seats_taken    INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    CHECK (seats_taken >= 0 AND seats_taken <= capacity)
);
CREATE INDEX class_sessions_by_class ON class_sessions (class_id);

-- 报名. status follows enrolment::domain::Status.
CREATE TABLE registrations (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    class_id           INTEGER NOT NULL REFERENCES classes (id),
    session_id         INTEGER NOT NULL REFERENCES class_sessions (id),
    status             TEXT    NOT NULL,
    job_title          TEXT    NOT NULL,
    lodging_name       TEXT    NOT NULL,
    lodging_price_fen  INTEGER NOT NULL,
    fee_fen            INTEGER NOT NULL,
    exam_subjects      TEXT    NOT NULL,
    exam_type          TEXT    NOT NULL,
    photo_file_id      TEXT    REFERENCES files (id),
    invoice_title_id   INTEGER REFERENCES invoice_titles (id),
    joint_invoice_note TEXT    NOT NULL,
    reject_reason      TEXT    NOT NULL DEFAULT '',
    reviewed_by        INTEGER REFERENCES users (id),
    reviewed_at        INTEGER,
    submitted_at       INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
-- One live registration per user and session (live = holds a seat).
CREATE UNIQUE INDEX registrations_one_live ON registrations (user_id, session_id)
    WHERE status IN ('under_review', 'awaiting_payment', 'paid', 'completed', 'refund_review', 'refund_failed');
CREATE INDEX registrations_by_user ON registrations (user_id, created_at);
CREATE INDEX registrations_by_class ON registrations (class_id, status);

-- A submitted registration form waiting for "我已知晓" (the 10-second notice).
CREATE TABLE registration_drafts (
    id              TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    class_id        INTEGER NOT NULL REFERENCES classes (id),
    registration_id INTEGER REFERENCES registrations (id),
    form            TEXT    NOT NULL,
    photo_file_id   TEXT    REFERENCES files (id),
    notice_issued_at INTEGER NOT NULL
);
CREATE INDEX registration_drafts_by_user ON registration_drafts (user_id);

-- 我的收藏: kind is 'class' (courses come with online learning).
CREATE TABLE favourites (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    target_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, target_id)
);

-- 消息: what the platform tells a user (copies also go out through the outbox).
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX messages_by_user ON messages (user_id, created_at);

-- What the public queries read. Later features write them: exam scores entered by
-- providers, hours credited by learning and declarations, certificates issued.
CREATE TABLE exam_scores (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    subject         TEXT    NOT NULL,
    score_tenths    INTEGER NOT NULL,
    passed          INTEGER NOT NULL,
    published_at    INTEGER NOT NULL,
    UNIQUE (registration_id, subject)
);
CREATE TABLE credit_hours (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    year        INTEGER NOT NULL,
    category    TEXT    NOT NULL,
    tenths      INTEGER NOT NULL,
    source_kind TEXT    NOT NULL,
    source_id   INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, source_kind, source_id)
);
CREATE INDEX credit_hours_by_user ON credit_hours (user_id, year);
CREATE TABLE certificates (
    id         INTEGER PRIMARY KEY,
    serial     TEXT    NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    issued_at  INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX certificates_by_user ON certificates (user_id);

-- Public queries per client address, for their rate limit.
CREATE TABLE public_queries (
    ip      TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX public_queries_by_ip ON public_queries (ip, at);

-- A public query's answer, shown once under an unguessable token for ten minutes
-- (the form posts, the answer page is a plain GET that works without JavaScript).
CREATE TABLE public_query_results (
    token      TEXT PRIMARY KEY,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
