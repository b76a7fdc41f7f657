-- The uplift report's outcomes kept on each holdout decision as the facts arrive, so that a report is one
-- pass over its decisions rather than three lookups each (a year of a large airline took 10-14 s):
-- how long after the decision the registry's first case for the person came, and how many days after
-- the decision's flight the person's next linked flight was. Kept as they were when retention purges the
-- flights, links and resolved cases they came from. Instants are microseconds since 1970, so that one
-- SQL text compares them on both backends.
ALTER TABLE holdout_assignments ADD COLUMN decided_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holdout_assignments ADD COLUMN case_after_us BIGINT;
ALTER TABLE holdout_assignments ADD COLUMN flight_after_days BIGINT;
-- What the report reads of the person: when the registry last sent them, their activity about the
-- airline then (summed over their accounts) and their desk (the report's language grouping).
ALTER TABLE persons ADD COLUMN seen_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN activity_30d BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN desk TEXT NOT NULL DEFAULT 'unknown';

UPDATE holdout_assignments SET decided_us = (extract(epoch FROM decided_at) * 1000000)::bigint;

UPDATE persons SET seen_us = (extract(epoch FROM updated_at) * 1000000)::bigint,
    activity_30d = COALESCE((SELECT SUM(a.activity_30d) FROM social_accounts a WHERE a.person_id = persons.id), 0),
    -- As `reports::desk_of`: the language's first part, lower case; unknown without one.
    desk = COALESCE(NULLIF(lower(trim(split_part(split_part(language, '-', 1), '_', 1))), ''), 'unknown');

UPDATE holdout_assignments h SET
    case_after_us = (extract(epoch FROM (SELECT MIN(c.opened_at) FROM complaint_cases c
        WHERE c.person_id = h.person_id AND c.recorded_by IS NULL AND c.opened_at > h.decided_at))
        * 1000000)::bigint - h.decided_us,
    flight_after_days = (SELECT MIN(f.local_date) FROM identity_links l
        JOIN passengers pa ON pa.id = l.passenger_id JOIN flights f ON f.id = pa.flight_id
        WHERE l.person_id = h.person_id AND l.decision = 'linked' AND f.local_date > h.flight_date)
        - h.flight_date
    WHERE h.person_id IS NOT NULL;

-- A period's decisions are found by their instant.
DROP INDEX holdout_assignments_decided;
CREATE INDEX holdout_assignments_decided ON holdout_assignments (decided_us);
