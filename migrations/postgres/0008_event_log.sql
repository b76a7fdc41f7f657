-- The event log is append-only in the database itself: a trigger refuses every UPDATE, DELETE and
-- TRUNCATE of events unless the transaction holds a permit, which only retention and erasure take (and
-- give back before they commit). A permit is an uncommitted row, so no other transaction ever sees it.
CREATE TABLE event_log_permits (
    reason TEXT NOT NULL
);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM event_log_permits) THEN
        RAISE EXCEPTION 'events are append-only: only retention and erasure % them',
            CASE TG_OP WHEN 'UPDATE' THEN 'change' ELSE 'remove' END;
    END IF;
    RETURN NULL;
END
$$;

-- Per statement, so that retention's purge of millions of rows asks once.
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- The event stream filters by flight; person and subject have their indexes already.
CREATE INDEX events_flight ON events (flight_id);
