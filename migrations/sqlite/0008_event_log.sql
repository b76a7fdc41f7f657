-- The event log is append-only in the database itself: triggers refuse every UPDATE and DELETE of an event
-- unless the transaction holds a permit, which only retention and erasure take (and give back before they
-- commit). SQLite writes one transaction at a time, so no other writer ever sees a permit.
CREATE TABLE event_log_permits (
    reason TEXT NOT NULL
);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT EXISTS (SELECT 1 FROM event_log_permits)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: only retention and erasure change them');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM event_log_permits)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: only retention and erasure remove them');
END;

-- The event stream filters by flight; person and subject have their indexes already.
CREATE INDEX events_flight ON events (flight_id);
