-- 0003: attachments, the files citizens upload.
--
-- A file belongs to a draft (draft_id) until the submission that references it is committed,
-- then to the submission (submission_id); never to both or neither. Deleting a draft (also by
-- submitting it, or when it expires) deletes its files; the files a submission references are
-- moved to it first, in the same transaction. The bytes are kept in pieces of at most 256 KiB
-- (attachment_chunks), so that writing and reading a file never holds it in memory whole.

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    draft_id      TEXT REFERENCES drafts (id) ON DELETE CASCADE,
    submission_id TEXT REFERENCES submissions (id),
    filename      TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    sha512        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((draft_id IS NULL) <> (submission_id IS NULL))
);

CREATE INDEX attachments_draft_id ON attachments (draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX attachments_submission_id ON attachments (submission_id) WHERE submission_id IS NOT NULL;

CREATE TABLE attachment_chunks (
    attachment_id TEXT NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- The retention purge (PurgeDelivered) turns a submission into a tombstone by setting
-- purged_at; its files go in the same transaction, whoever purges.
CREATE TRIGGER submissions_purge_attachments AFTER UPDATE OF purged_at ON submissions
WHEN NEW.purged_at IS NOT NULL
BEGIN
    DELETE FROM attachments WHERE submission_id = NEW.id;
END;
