-- Heartbeats are written by group commit (learning/server/heartbeats.rs), which reads
-- each lease before renewing it; the renewal before the last is no longer kept.
ALTER TABLE playbacks DROP COLUMN previous_seen_at;
