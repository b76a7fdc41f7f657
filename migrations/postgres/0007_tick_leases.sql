-- A claimed scheduler tick is held under a lease its instance renews while the job runs; a tick still
-- unfinished when its lease has run out (its instance died) is taken over by another instance, once.
-- Ticks claimed before this version have none and are never taken over.
ALTER TABLE scheduler_ticks ADD COLUMN lease_until TIMESTAMPTZ;
