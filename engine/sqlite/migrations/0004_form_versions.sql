-- 0004: form versions, the files of every form version that was served.
--
-- The catalog holds only the current version of each form. Submissions of an older version
-- that are not delivered yet (or whose receipt a citizen downloads later) need the files of
-- their version: the store keeps them, one row per form id and version, written once (the
-- first write wins) when a server starts with that version. files is a JSON object: file path
-- in the form folder ("schema.json", "i18n/en.json") → base64 of its bytes, so that every file
-- comes back byte for byte. schema_hash is the hex SHA-512 of schema.json.

CREATE TABLE form_versions (
    form_id     TEXT NOT NULL,
    version     TEXT NOT NULL,
    files       TEXT NOT NULL,
    schema_hash TEXT NOT NULL,
    stored_at   TEXT NOT NULL,
    PRIMARY KEY (form_id, version)
);
