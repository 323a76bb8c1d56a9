-- 0014: the step on which the citizen chose "Zwischenspeichern" (1-based; 0 for the review page
-- or a draft never saved for later), so that resuming opens that step again rather than the
-- first step with a problem.

ALTER TABLE drafts ADD COLUMN saved_step INTEGER NOT NULL DEFAULT 0;
