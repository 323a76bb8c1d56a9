-- 0002: delivery (leases, times), disabled destinations, retention tombstones.
--
-- New columns are nullable, so that rows written by the existing INSERTs stay valid; a NULL
-- queued_at means created_at.

-- The worker holding a message in state 'sending', and until when (its lease).
ALTER TABLE outbox ADD COLUMN worker text;
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
-- When the message was last queued (RetryNow, Replay); the maximum age counts from here.
ALTER TABLE outbox ADD COLUMN queued_at timestamptz;
-- When the receiver confirmed it (2xx, or the pull API's acknowledgement).
ALTER TABLE outbox ADD COLUMN delivered_at timestamptz;

-- delivered_at: when the last outbox message of the submission was delivered (NULL while one
-- is not). purged_at: when the retention purge deleted the data; the row is then a tombstone.
ALTER TABLE submissions ADD COLUMN delivered_at timestamptz;
ALTER TABLE submissions ADD COLUMN purged_at timestamptz;

-- The retention purge looks for delivered submissions that still have their data.
CREATE INDEX submissions_purge ON submissions (delivered_at)
    WHERE purged_at IS NULL AND delivered_at IS NOT NULL;

-- Destinations whose receiver answered 410 Gone, until an operator enables them again.
CREATE TABLE disabled_destinations (
    name        text PRIMARY KEY,
    reason      text NOT NULL,
    disabled_at timestamptz NOT NULL
);
