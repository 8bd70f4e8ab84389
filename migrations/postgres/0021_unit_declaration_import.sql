-- 单位申报学时 imported from a spreadsheet: the file's name. Such a declaration gives
-- each person their own hours, so its `tenths` is the total over the people; a
-- declaration made with the form ('' here) keeps each person's hours in `tenths`.
ALTER TABLE unit_declarations ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
