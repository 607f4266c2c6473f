-- The outbox as the delivery queue (security bar REL-16): each message's delivery state
-- (pending, sent, dead), attempts, the time before which no instance starts another attempt
-- (an attempt under way holds the message until then), and the last failure. Messages written
-- before this migration were handed to the transport when they were written: `sent`.
ALTER TABLE outbox ADD COLUMN delivery text COLLATE "C" NOT NULL DEFAULT 'sent';
ALTER TABLE outbox ADD COLUMN attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error text;
CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE delivery = 'pending';
