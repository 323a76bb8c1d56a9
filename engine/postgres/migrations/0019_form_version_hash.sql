-- 0019: a hash of each stored form version's files (engine.FilesHash: SHA-256 over every file's
-- path and SHA-256, in path order), so that a start compares its catalog with the stored
-- versions by reading 64 characters per version instead of reading back every version's files
-- (issue 16: about a quarter of the first start of a 1,000-form catalog). Versions stored
-- before this migration have '' and get their hash when a start first compares them.

ALTER TABLE form_versions ADD COLUMN files_hash text NOT NULL DEFAULT '';
