-- Captchas are issued by the server: the form page creates the row, the image is drawn
-- then and kept, so GET /captcha/{id} only reads (an unknown id costs one lookup).
-- "换一张" redraws an issued id a few times (redraws); issuing is counted per client
-- address in captcha_issues, so the limit holds across app servers.
ALTER TABLE captchas ADD COLUMN image BLOB;
ALTER TABLE captchas ADD COLUMN redraws INTEGER NOT NULL DEFAULT 0;

CREATE TABLE captcha_issues (
    address           TEXT    PRIMARY KEY,
    issued            INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL
);
