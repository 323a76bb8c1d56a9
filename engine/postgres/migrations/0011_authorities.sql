-- 0011: Einer für Alle, one form for many authorities.
--
-- drafts.municipality is the ARS of the municipality the citizen chose when the postal code
-- spans several ('' until asked). submissions.authority_id names the authority a submission is
-- addressed to ('' for a form of one authority), for routing, `outbox list --authority` and the
-- metrics; submissions.authority is its snapshot as JSON (name, ARS, address, contact, privacy
-- notice, retention) as it was at submission, so that a receipt rebuilt later gives the same
-- bytes whatever the configuration says then. Neither is personal data of the citizen: the
-- retention purge leaves them in the tombstone.

ALTER TABLE drafts ADD COLUMN municipality TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN authority_id TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN authority TEXT NOT NULL DEFAULT '';
CREATE INDEX submissions_authority ON submissions (authority_id) WHERE authority_id <> '';
