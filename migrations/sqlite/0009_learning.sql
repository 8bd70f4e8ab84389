-- Online learning (sqlite). Keep in step with migrations/postgres/0009_learning.sql.

-- 课程 of a provider: category hours in tenths, a cover, a quiz: how many questions,
-- points each, the pass line.
CREATE TABLE courses (
    id            INTEGER PRIMARY KEY,
    provider_id   INTEGER NOT NULL REFERENCES providers (id),
    title         TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    hours_tenths  INTEGER NOT NULL,
    description   TEXT    NOT NULL,
    cover_file_id TEXT    REFERENCES files (id),
    quiz_count    INTEGER NOT NULL,
    quiz_points   INTEGER NOT NULL,
    pass_score    INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (hours_tenths > 0)
);
CREATE INDEX courses_by_provider ON courses (provider_id);

-- 章节, each with its video (stored through the storage interface) and its length.
CREATE TABLE chapters (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES courses (id),
    position      INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    video_file_id TEXT    REFERENCES files (id),
    duration_ms   INTEGER NOT NULL,
    UNIQUE (course_id, position)
);

-- 题库: options as lines of text; the answer as letters (A…, or T/F).
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    course_id   INTEGER NOT NULL REFERENCES courses (id),
    kind        TEXT    NOT NULL,
    stem        TEXT    NOT NULL,
    options     TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    explanation TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX questions_by_course ON questions (course_id);

-- The courses an online class offers for 在线选课.
CREATE TABLE class_courses (
    class_id  INTEGER NOT NULL REFERENCES classes (id),
    course_id INTEGER NOT NULL REFERENCES courses (id),
    PRIMARY KEY (class_id, course_id)
);

-- 选课: a trainee's course in a class, once confirmed (确认选中的课程).
CREATE TABLE course_selections (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    class_id     INTEGER NOT NULL REFERENCES classes (id),
    course_id    INTEGER NOT NULL REFERENCES courses (id),
    confirmed_at INTEGER NOT NULL,
    started_at   INTEGER,
    passed_at    INTEGER,
    UNIQUE (user_id, class_id, course_id)
);
CREATE INDEX course_selections_by_user ON course_selections (user_id, class_id);

-- What a trainee has watched of a chapter: merged segments (JSON, milliseconds),
-- their total, where playback stopped, and when the last heartbeat was accepted.
CREATE TABLE chapter_progress (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    chapter_id      INTEGER NOT NULL REFERENCES chapters (id),
    segments        TEXT    NOT NULL,
    covered_ms      INTEGER NOT NULL,
    position_ms     INTEGER NOT NULL,
    completed_at    INTEGER,
    heartbeat_at    INTEGER NOT NULL,
    PRIMARY KEY (user_id, chapter_id)
);

-- The one playback per account that counts: the newest player to start takes it.
CREATE TABLE playbacks (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    token      TEXT    NOT NULL,
    chapter_id INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    -- The renewal before the last, read back by the heartbeat that renews it.
    previous_seen_at INTEGER NOT NULL DEFAULT 0
);

-- 课后测验: the questions drawn, the answers given, the grade.
CREATE TABLE quiz_attempts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    selection_id INTEGER NOT NULL REFERENCES course_selections (id),
    questions    TEXT    NOT NULL,
    answers      TEXT    NOT NULL DEFAULT '',
    score        INTEGER,
    passed       INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    submitted_at INTEGER
);
CREATE INDEX quiz_attempts_by_selection ON quiz_attempts (selection_id, started_at);
