-- The holdout group: one row per flight and registry person the rules asked a follow-up for while the
-- holdout was on, saying whether the person was treated (got the task), held out (got none) or exempt
-- (an open case). It names no passenger and outlives the flight (no foreign key to it), so that the uplift
-- report can compare the groups after retention has purged the flight; erasing the person leaves the row
-- without them. One row per flight and person across instances: the first decision stands.
CREATE TABLE holdout_assignments (
    id BLOB PRIMARY KEY,
    flight_id BLOB NOT NULL,
    person_id BLOB REFERENCES persons (id) ON DELETE SET NULL,
    station TEXT NOT NULL,
    flight_date TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    cohort TEXT NOT NULL,
    period INTEGER NOT NULL,
    decided_at TEXT NOT NULL,
    UNIQUE (flight_id, person_id)
);
CREATE INDEX holdout_assignments_decided ON holdout_assignments (decided_at);
CREATE INDEX holdout_assignments_person ON holdout_assignments (person_id, decided_at);
