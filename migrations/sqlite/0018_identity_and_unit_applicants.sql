-- Identity and sign-up abuse (sqlite). Keep in step with migrations/postgres/0018_identity_and_unit_applicants.sql.

-- 单位注册 keeps its applicant on the application until the authority approves it: a
-- pending application takes no phone or ID number from anyone (the account is made on
-- approval, from these columns). Applications made before this keep their account.
ALTER TABLE units ADD COLUMN applicant_name TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN applicant_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN applicant_id_number TEXT NOT NULL DEFAULT '';
-- Cleared once the account exists.
ALTER TABLE units ADD COLUMN applicant_password_hash TEXT NOT NULL DEFAULT '';
UPDATE units SET
    applicant_name = COALESCE((SELECT name FROM users WHERE users.id = units.applicant_user_id), ''),
    applicant_phone = COALESCE((SELECT phone FROM users WHERE users.id = units.applicant_user_id), ''),
    applicant_id_number = COALESCE((SELECT id_number FROM users WHERE users.id = units.applicant_user_id), '')
 WHERE applicant_user_id IS NOT NULL;
CREATE INDEX units_by_applicant_phone ON units (applicant_phone, status);
CREATE INDEX units_by_applicant_id_number ON units (applicant_id_number, status);
-- Pending applications expire after 30 days.
CREATE INDEX units_by_status_age ON units (status, created_at);

-- 实名认证 submissions and what the identity provider or a reviewer (实名审核) decided:
-- pending → approved | rejected; approved → revoked. One pending submission per account.
CREATE TABLE identity_reviews (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    id_number     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    front_file_id TEXT    NOT NULL REFERENCES files (id),
    back_file_id  TEXT    NOT NULL REFERENCES files (id),
    provider      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    -- Why it was rejected or revoked; the trainee sees it.
    reason        TEXT    NOT NULL DEFAULT '',
    submitted_at  INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES users (id),
    decided_at    INTEGER,
    revoked_by    INTEGER REFERENCES users (id),
    revoked_at    INTEGER
);
CREATE UNIQUE INDEX identity_reviews_one_pending ON identity_reviews (user_id) WHERE status = 'pending';
CREATE INDEX identity_reviews_by_status ON identity_reviews (status, submitted_at);
CREATE INDEX identity_reviews_by_user ON identity_reviews (user_id, id);
