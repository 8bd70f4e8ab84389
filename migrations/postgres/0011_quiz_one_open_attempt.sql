-- One attempt not yet handed in per course selection: two 开始测验 at once must not
-- open two attempts (one handed in would reveal the other's answers). Open
-- duplicates hold no answers yet (answers are stored at hand-in), so the later ones go.
DELETE FROM quiz_attempts
WHERE submitted_at IS NULL
  AND id NOT IN (SELECT MIN(id) FROM quiz_attempts WHERE submitted_at IS NULL GROUP BY selection_id);
CREATE UNIQUE INDEX quiz_attempts_one_open ON quiz_attempts (selection_id) WHERE submitted_at IS NULL;
