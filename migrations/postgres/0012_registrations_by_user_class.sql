-- Learning checks "does this user hold a paid registration for this class" on every
-- heartbeat and quiz request. Without this index SQLite chose registrations_by_class
-- and read every registration of a popular class (40,000 in `make bench`).
CREATE INDEX registrations_by_user_class ON registrations (user_id, class_id);
