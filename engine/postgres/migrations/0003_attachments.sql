-- 0003: attachments, the files citizens upload.
--
-- A file belongs to a draft (draft_id) until the submission that references it is committed,
-- then to the submission (submission_id); never to both or neither. Deleting a draft (also by
-- submitting it, or when it expires) deletes its files; the files a submission references are
-- moved to it first, in the same transaction. The bytes are kept in pieces of at most 256 KiB
-- (attachment_chunks), so that writing and reading a file never holds it in memory whole.

CREATE TABLE attachments (
    id            text PRIMARY KEY,
    draft_id      text REFERENCES drafts (id) ON DELETE CASCADE,
    submission_id text REFERENCES submissions (id),
    filename      text NOT NULL,
    media_type    text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),
    sha512        text NOT NULL,
    created_at    timestamptz NOT NULL,
    CHECK ((draft_id IS NULL) <> (submission_id IS NULL))
);

CREATE INDEX attachments_draft_id ON attachments (draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX attachments_submission_id ON attachments (submission_id) WHERE submission_id IS NOT NULL;

-- STORAGE EXTERNAL: the pieces are stored out of line without compression; PDFs and images
-- are compressed already.
CREATE TABLE attachment_chunks (
    attachment_id text NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           integer NOT NULL CHECK (seq >= 0),
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- The retention purge (PurgeDelivered) turns a submission into a tombstone by setting
-- purged_at; its files go in the same transaction, whoever purges.
CREATE FUNCTION ozgform_purge_attachments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attachments WHERE submission_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER submissions_purge_attachments AFTER UPDATE OF purged_at ON submissions
FOR EACH ROW WHEN (NEW.purged_at IS NOT NULL)
EXECUTE FUNCTION ozgform_purge_attachments();
