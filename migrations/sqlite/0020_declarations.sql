-- 继续教育记录申报 (SQLite): the kinds of record a trainee may declare, the declarations
-- and their attachments, the hours a unit declares for its staff, and the authority's
-- adjustments.
-- Keep in step with migrations/postgres/0020_declarations.sql.

-- Each kind asks its own fields (JSON: key, label, kind text/date/number/choice/file,
-- required, options, max). per_item_tenths converts: every declaration of the kind
-- claims that many tenths (论文: 10 学时 each) instead of what the trainee types.
CREATE TABLE declaration_types (
    code            TEXT PRIMARY KEY,
    name            TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    per_item_tenths INTEGER CHECK (per_item_tenths > 0),
    position        INTEGER NOT NULL,
    active          INTEGER NOT NULL
);

INSERT INTO declaration_types (code, name, fields, per_item_tenths, position, active) VALUES
('conference', '学术会议',
 '[{"key":"name","label":"会议名称","kind":"text","required":true,"max":100},{"key":"organizer","label":"主办单位","kind":"text","required":true,"max":100},{"key":"date","label":"会议日期","kind":"date","required":true},{"key":"role","label":"参会形式","kind":"choice","required":true,"options":["参会","交流发言","主持"]}]',
 NULL, 1, 1),
('training', '进修培训',
 '[{"key":"name","label":"培训名称","kind":"text","required":true,"max":100},{"key":"institution","label":"培训机构","kind":"text","required":true,"max":100},{"key":"start","label":"开始日期","kind":"date","required":true},{"key":"end","label":"结束日期","kind":"date","required":true}]',
 NULL, 2, 1),
('paper', '发表论文',
 '[{"key":"name","label":"论文题目","kind":"text","required":true,"max":200},{"key":"journal","label":"刊物名称","kind":"text","required":true,"max":100},{"key":"date","label":"发表日期","kind":"date","required":true},{"key":"rank","label":"作者排名","kind":"number","required":true,"max":50}]',
 100, 3, 1),
('book', '出版著作',
 '[{"key":"name","label":"著作名称","kind":"text","required":true,"max":200},{"key":"publisher","label":"出版社","kind":"text","required":true,"max":100},{"key":"date","label":"出版日期","kind":"date","required":true},{"key":"words","label":"本人撰写字数（万字）","kind":"number","required":true,"max":1000}]',
 200, 4, 1),
('research', '科研课题',
 '[{"key":"name","label":"课题名称","kind":"text","required":true,"max":200},{"key":"level","label":"课题级别","kind":"choice","required":true,"options":["国家级","省部级","市厅级","其他"]},{"key":"date","label":"立项日期","kind":"date","required":true},{"key":"role","label":"本人角色","kind":"choice","required":true,"options":["主持","参与"]}]',
 NULL, 5, 1),
('online', '网络学习',
 '[{"key":"name","label":"课程名称","kind":"text","required":true,"max":100},{"key":"platform","label":"学习平台","kind":"text","required":true,"max":100},{"key":"date","label":"完成日期","kind":"date","required":true},{"key":"certificate","label":"结业证明","kind":"file","required":false}]',
 NULL, 6, 1),
('other', '其他',
 '[{"key":"name","label":"项目名称","kind":"text","required":true,"max":100},{"key":"date","label":"日期","kind":"date","required":true}]',
 NULL, 7, 1);

CREATE TABLE declarations (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    -- The unit it was sent to (the trainee's at 确认送审).
    unit_id        INTEGER REFERENCES units (id),
    type_code      TEXT    NOT NULL REFERENCES declaration_types (code),
    year           INTEGER NOT NULL,
    category       TEXT    NOT NULL,
    -- The record's name (its first field), for lists and double-counting checks.
    title          TEXT    NOT NULL,
    claimed_tenths INTEGER NOT NULL CHECK (claimed_tenths > 0),
    granted_tenths INTEGER CHECK (granted_tenths > 0),
    -- The type's fields as typed (JSON object).
    field_values   TEXT    NOT NULL,
    remark         TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    review_note    TEXT    NOT NULL DEFAULT '',
    reviewed_by    INTEGER REFERENCES users (id),
    reviewed_at    INTEGER,
    submitted_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX declarations_by_user ON declarations (user_id, year);
CREATE INDEX declarations_by_unit ON declarations (unit_id, status);

CREATE TABLE declaration_files (
    declaration_id INTEGER NOT NULL REFERENCES declarations (id),
    file_id        TEXT    NOT NULL REFERENCES files (id),
    position       INTEGER NOT NULL,
    PRIMARY KEY (declaration_id, file_id)
);

-- 其它继续教育形式申报: hours a unit declares for chosen staff, one ledger row each.
CREATE TABLE unit_declarations (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    year       INTEGER NOT NULL,
    category   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    tenths     INTEGER NOT NULL CHECK (tenths > 0),
    people     INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    -- The authority's revocation: every row it credited is reversed.
    revoked_at    INTEGER,
    revoked_by    INTEGER REFERENCES users (id),
    revoke_reason TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX unit_declarations_by_unit ON unit_declarations (unit_id, year);

-- 学时调整 by the authority, with its reason: one ledger row each.
CREATE TABLE credit_adjustments (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    year       INTEGER NOT NULL,
    category   TEXT    NOT NULL,
    tenths     INTEGER NOT NULL CHECK (tenths > 0),
    reason     TEXT    NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
