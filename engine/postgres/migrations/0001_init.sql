-- 0001: drafts, resume codes, submissions and their outbox.
--
-- Times are timestamptz (microseconds, stored as UTC). Data is json, not jsonb: json keeps the
-- text exactly as the engine produced it (byte for byte; its hash is part of the payload),
-- while jsonb would reorder keys and drop white space. Ids are text, not uuid, so that a
-- malformed id from a cookie or a URL is simply not found, as in SQLite.

CREATE TABLE drafts (
    id           text PRIMARY KEY,
    form_id      text NOT NULL,
    form_version text NOT NULL,
    lang         text NOT NULL,
    data         json NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- The retention purge deletes expired drafts.
CREATE INDEX drafts_expires_at ON drafts (expires_at);

-- A resume code is shown to the citizen once; only its hash is kept. Deleting a draft (also by
-- submitting it) deletes its codes.
CREATE TABLE resume_codes (
    code_hash  text PRIMARY KEY,
    draft_id   text NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

CREATE INDEX resume_codes_draft_id ON resume_codes (draft_id);

-- draft_id is UNIQUE so that a draft is submitted at most once (double click, resent POST);
-- it is NULL for a submission that did not come from a draft.
CREATE TABLE submissions (
    id           text PRIMARY KEY,
    reference    text NOT NULL,
    form_id      text NOT NULL,
    form_version text NOT NULL,
    schema_hash  text NOT NULL,
    lang         text NOT NULL,
    data         json NOT NULL,
    data_hash    text NOT NULL,
    submitted_at timestamptz NOT NULL,
    draft_id     text,
    access_token text NOT NULL,
    CONSTRAINT submissions_reference_key UNIQUE (reference),
    CONSTRAINT submissions_draft_id_key UNIQUE (draft_id)
);

-- No ON DELETE CASCADE: a submission with outbox messages cannot be purged by accident; the
-- retention purge removes delivered messages first.
CREATE TABLE outbox (
    id              text PRIMARY KEY,
    submission_id   text NOT NULL REFERENCES submissions (id),
    destination     text NOT NULL,
    state           text NOT NULL
        CHECK (state IN ('queued', 'sending', 'delivered', 'retry', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX outbox_submission_id ON outbox (submission_id);

-- The delivery workers ask for due messages by state and time (FOR UPDATE SKIP LOCKED).
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
