-- Flight lists stored but not yet screened by identity matching: an import writes one row per list in
-- the transaction that stores it, and matching deletes the rows it screened once their links are
-- written. A crash between the two leaves the list waiting here, and the next import, the service's
-- start or the scheduler screens it. Screeners claim a flight with a transaction-scoped advisory lock,
-- so that two instances never screen one flight at once and a crashed one lets go at once.
CREATE TABLE screening_queue (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flight_id UUID NOT NULL REFERENCES flights (id),
    -- The file that brought the list: an import that finds only its own files' lists waiting for a
    -- flight may trust its screen of those files.
    import_digest TEXT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL
);
