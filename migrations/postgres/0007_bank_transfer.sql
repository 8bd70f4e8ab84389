-- 线下转账 (postgres). Keep in step with migrations/sqlite/0007_bank_transfer.sql.
-- A bank transfer is a payment (provider 'transfer') that finance confirms by hand:
-- the amount and date seen on the account, or a reason for refusing it.
ALTER TABLE payments ADD COLUMN received_on TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN reviewed_by BIGINT REFERENCES users (id);
CREATE INDEX payments_by_provider_status ON payments (provider, status);
