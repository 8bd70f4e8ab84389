-- Heartbeats are written by group commit (learning/server/heartbeats.rs), which reads
-- each lease before renewing it: the renewal before the last is no longer kept. The
-- lease keeps the playback's slack instead (learning::domain::apply_heartbeat), and a
-- closed player leaves its row without a token (empty: no heartbeat matches it).
ALTER TABLE playbacks DROP COLUMN previous_seen_at;
ALTER TABLE playbacks ADD COLUMN slack_ms BIGINT NOT NULL DEFAULT 2000;
