-- 0010: the progress of a delivery that takes several steps (FIT-Connect: the submission id
-- and case id the service gave, the attachments uploaded, submitted, accepted or rejected),
-- as a JSON object that the destination's deliverer writes before it takes the next step, so
-- that a worker that takes the message over resumes instead of starting again. NULL: none.
ALTER TABLE outbox ADD COLUMN progress TEXT;
