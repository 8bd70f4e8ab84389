-- 学时 (SQLite): the yearly requirements and one ledger of every hour with its source.
-- Keep in step with migrations/postgres/0019_credit_ledger.sql.

-- One version of a year's requirement for a region ('' applies wherever no narrower
-- region has one). A change is a new version; a version is never edited.
CREATE TABLE credit_requirements (
    id                      INTEGER PRIMARY KEY,
    region_code             TEXT    NOT NULL,
    year                    INTEGER NOT NULL,
    version                 INTEGER NOT NULL,
    total_tenths            INTEGER NOT NULL CHECK (total_tenths > 0),
    public_tenths           INTEGER NOT NULL CHECK (public_tenths >= 0),
    professional_tenths     INTEGER NOT NULL CHECK (professional_tenths >= 0),
    elective_tenths         INTEGER NOT NULL CHECK (elective_tenths >= 0),
    professional_two_thirds INTEGER NOT NULL,
    created_by              INTEGER REFERENCES users (id),
    created_at              INTEGER NOT NULL,
    UNIQUE (region_code, year, version)
);

-- At most max_tenths a year count from one source or declaration type.
CREATE TABLE credit_caps (
    requirement_id INTEGER NOT NULL REFERENCES credit_requirements (id),
    kind           TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    max_tenths     INTEGER NOT NULL CHECK (max_tenths >= 0),
    PRIMARY KEY (requirement_id, kind)
);

-- Append-only: a correction is a reversing row (reverses_id, negative tenths) plus a
-- new one, so the history shows what changed.
CREATE TABLE credit_ledger (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    year        INTEGER NOT NULL,
    category    TEXT    NOT NULL,
    tenths      INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    -- The course, class, declaration … the hours came from.
    source_id   INTEGER NOT NULL,
    -- The declaration type, for its cap; '' otherwise.
    kind        TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL,
    -- Where the evidence is (a page of the platform), '' when none.
    evidence    TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    reverses_id INTEGER REFERENCES credit_ledger (id),
    approved_by INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX credit_ledger_by_user ON credit_ledger (user_id, year);
CREATE UNIQUE INDEX credit_ledger_one_reversal ON credit_ledger (reverses_id) WHERE reverses_id IS NOT NULL;

-- The live claims: one per person and thing credited, so the same course passed in
-- two classes counts once. A reversal gives its claim up.
CREATE TABLE credit_claims (
    user_id   INTEGER NOT NULL REFERENCES users (id),
    source    TEXT    NOT NULL,
    source_id INTEGER NOT NULL,
    ledger_id INTEGER NOT NULL REFERENCES credit_ledger (id),
    PRIMARY KEY (user_id, source, source_id)
);
-- A reversal gives up its row's claim; a revocation finds the rows of one thing.
CREATE INDEX credit_claims_by_ledger ON credit_claims (ledger_id);
CREATE INDEX credit_claims_by_source ON credit_claims (source, source_id);

-- Today's credit moves into the ledger, every row. A course credited twice (passed in
-- two classes) keeps both rows and the later one is reversed, so its total is right
-- and its history shows why.
INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, title, created_at)
SELECT h.user_id, h.year, h.category, h.tenths,
       CASE WHEN h.source_kind = 'course' AND s.course_id IS NOT NULL THEN 'course' ELSE 'import' END,
       COALESCE(s.course_id, h.source_id), h.title, h.created_at
FROM credit_hours h LEFT JOIN course_selections s ON h.source_kind = 'course' AND s.id = h.source_id
ORDER BY h.id;
INSERT INTO credit_ledger (user_id, year, category, tenths, source, source_id, title, note, reverses_id, created_at)
SELECT l.user_id, l.year, l.category, -l.tenths, l.source, l.source_id, l.title,
       '同一课程已计入学时，重复的一条冲销', l.id, l.created_at
FROM credit_ledger l
WHERE l.reverses_id IS NULL AND EXISTS (
    SELECT 1 FROM credit_ledger e
    WHERE e.user_id = l.user_id AND e.source = l.source AND e.source_id = l.source_id AND e.id < l.id
);
INSERT INTO credit_claims (user_id, source, source_id, ledger_id)
SELECT user_id, source, source_id, MIN(id) FROM credit_ledger WHERE reverses_id IS NULL
GROUP BY user_id, source, source_id;
DROP TABLE credit_hours;
