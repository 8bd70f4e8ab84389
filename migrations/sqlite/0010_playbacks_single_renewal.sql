-- Heartbeats are written by group commit (learning/server/heartbeats.rs), which reads
-- each lease before renewing it; the renewal before the last is no longer kept.
-- (SQLite's DROP COLUMN trips over the comment inside the old CREATE TABLE, so the
-- table is rebuilt with its rows.)
CREATE TABLE playbacks_renewed (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    token      TEXT    NOT NULL,
    chapter_id INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);
INSERT INTO playbacks_renewed (user_id, token, chapter_id, seen_at)
    SELECT user_id, token, chapter_id, seen_at FROM playbacks;
DROP TABLE playbacks;
ALTER TABLE playbacks_renewed RENAME TO playbacks;
