-- 0020: the files of form versions, stored once per content. A state portal serves the same
-- service for many municipalities: their form versions share most files (schema, layout, FIM
-- code lists of hundreds of kilobytes), which form_versions.files held once per version, as
-- base64. Versions stored from now on keep in file_hashes a JSON object, file path → hex
-- SHA-256 of its bytes, and the bytes in form_files under that hash; their files column is
-- '{}'. Versions stored before keep their files column (file_hashes ''). Neither table is ever
-- deleted from, so a hash named by a version always has its row.

CREATE TABLE form_files (
    hash text PRIMARY KEY,
    data bytea NOT NULL
);

ALTER TABLE form_versions ADD COLUMN file_hashes text NOT NULL DEFAULT '';
