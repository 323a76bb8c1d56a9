-- 0001: drafts, resume codes, submissions and their outbox.
--
-- Times are TEXT in RFC 3339 with nine fractional digits, always in UTC
-- ("2025-03-30T00:59:59.123456789Z"): fixed width, so that they sort and compare as text.
-- Data is TEXT holding the JSON exactly as the engine produced it (byte for byte; its hash is
-- part of the payload). Columns are not declared DATETIME, so the driver never converts them.

CREATE TABLE drafts (
    id           TEXT PRIMARY KEY,
    form_id      TEXT NOT NULL,
    form_version TEXT NOT NULL,
    lang         TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- The retention purge deletes expired drafts.
CREATE INDEX drafts_expires_at ON drafts (expires_at);

-- A resume code is shown to the citizen once; only its hash is kept. Deleting a draft (also by
-- submitting it) deletes its codes.
CREATE TABLE resume_codes (
    code_hash  TEXT PRIMARY KEY,
    draft_id   TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);

CREATE INDEX resume_codes_draft_id ON resume_codes (draft_id);

-- draft_id is UNIQUE so that a draft is submitted at most once (double click, resent POST);
-- it is NULL for a submission that did not come from a draft.
CREATE TABLE submissions (
    id           TEXT PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    form_id      TEXT NOT NULL,
    form_version TEXT NOT NULL,
    schema_hash  TEXT NOT NULL,
    lang         TEXT NOT NULL,
    data         TEXT NOT NULL,
    data_hash    TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    draft_id     TEXT UNIQUE,
    access_token TEXT NOT NULL
);

-- No ON DELETE CASCADE: a submission with outbox messages cannot be purged by accident; the
-- retention purge removes delivered messages first.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    destination     TEXT NOT NULL,
    state           TEXT NOT NULL
        CHECK (state IN ('queued', 'sending', 'delivered', 'retry', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX outbox_submission_id ON outbox (submission_id);

-- The delivery worker asks for due messages by state and time.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
