-- The uplift report's outcomes kept on each holdout decision as the facts arrive, so that a report is one
-- pass over its decisions rather than three lookups each (a year of a large airline took 10-14 s):
-- how long after the decision the registry's first case for the person came, and how many days after
-- the decision's flight the person's next linked flight was. Kept as they were when retention purges the
-- flights, links and resolved cases they came from. Instants are microseconds since 1970, so that one
-- SQL text compares them on both backends.
ALTER TABLE holdout_assignments ADD COLUMN decided_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holdout_assignments ADD COLUMN case_after_us INTEGER;
ALTER TABLE holdout_assignments ADD COLUMN flight_after_days INTEGER;
-- What the report reads of the person: when the registry last sent them, their activity about the
-- airline then (summed over their accounts) and their desk (the report's language grouping).
ALTER TABLE persons ADD COLUMN seen_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN activity_30d INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN desk TEXT NOT NULL DEFAULT 'unknown';

-- sqlx writes an instant as 2026-10-01T10:00:00[.fraction]+00:00.
UPDATE holdout_assignments SET decided_us = unixepoch(decided_at) * 1000000
    + CASE WHEN substr(decided_at, 20, 1) = '.'
      THEN CAST(substr(substr(decided_at, 21, instr(decided_at, '+') - 21) || '000000', 1, 6) AS INTEGER)
      ELSE 0 END;

UPDATE persons SET seen_us = unixepoch(updated_at) * 1000000
    + CASE WHEN substr(updated_at, 20, 1) = '.'
      THEN CAST(substr(substr(updated_at, 21, instr(updated_at, '+') - 21) || '000000', 1, 6) AS INTEGER)
      ELSE 0 END,
    activity_30d = COALESCE((SELECT SUM(a.activity_30d) FROM social_accounts a WHERE a.person_id = persons.id), 0),
    -- As `reports::desk_of`: the language's first part, lower case; unknown without one.
    desk = COALESCE(NULLIF(lower(trim(
        CASE WHEN instr(CASE WHEN instr(language, '-') > 0 THEN substr(language, 1, instr(language, '-') - 1)
                        ELSE language END, '_') > 0
        THEN substr(CASE WHEN instr(language, '-') > 0 THEN substr(language, 1, instr(language, '-') - 1)
                    ELSE language END, 1,
                    instr(CASE WHEN instr(language, '-') > 0 THEN substr(language, 1, instr(language, '-') - 1)
                          ELSE language END, '_') - 1)
        ELSE CASE WHEN instr(language, '-') > 0 THEN substr(language, 1, instr(language, '-') - 1)
             ELSE language END END)), ''), 'unknown');

UPDATE holdout_assignments SET
    case_after_us = (SELECT unixepoch(MIN(c.opened_at)) * 1000000
        + CASE WHEN substr(MIN(c.opened_at), 20, 1) = '.'
          THEN CAST(substr(substr(MIN(c.opened_at), 21, instr(MIN(c.opened_at), '+') - 21) || '000000', 1, 6) AS INTEGER)
          ELSE 0 END
        FROM complaint_cases c WHERE c.person_id = holdout_assignments.person_id
        AND c.recorded_by IS NULL AND c.opened_at > holdout_assignments.decided_at) - decided_us,
    flight_after_days = CAST(julianday((SELECT MIN(f.local_date) FROM identity_links l
        JOIN passengers pa ON pa.id = l.passenger_id JOIN flights f ON f.id = pa.flight_id
        WHERE l.person_id = holdout_assignments.person_id AND l.decision = 'linked'
        AND f.local_date > holdout_assignments.flight_date)) - julianday(flight_date) AS INTEGER)
    WHERE person_id IS NOT NULL;

-- The report walks the registry's persons and reads each one's decisions of the period from this index
-- alone, a cohort at a time (SQLite sorts every row for a GROUP BY).
DROP INDEX holdout_assignments_decided;
CREATE INDEX holdout_assignments_outcomes ON holdout_assignments (person_id, cohort, flight_date,
    decided_us, station, rule_id, channel, case_after_us, flight_after_days);
