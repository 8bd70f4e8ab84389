-- Heartbeats are written by group commit (learning/server/heartbeats.rs), which reads
-- each lease before renewing it: the renewal before the last is no longer kept. The
-- lease keeps the playback's slack instead (learning::domain::apply_heartbeat), and a
-- closed player leaves its row without a token rather than deleting it.
-- (SQLite's DROP COLUMN trips over the comment inside the old CREATE TABLE, so the
-- table is rebuilt with its rows.)
CREATE TABLE playbacks_renewed (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    -- Empty once the player closed: no heartbeat matches it.
    token      TEXT    NOT NULL,
    chapter_id INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    slack_ms   INTEGER NOT NULL DEFAULT 2000
);
INSERT INTO playbacks_renewed (user_id, token, chapter_id, seen_at)
    SELECT user_id, token, chapter_id, seen_at FROM playbacks;
DROP TABLE playbacks;
ALTER TABLE playbacks_renewed RENAME TO playbacks;
