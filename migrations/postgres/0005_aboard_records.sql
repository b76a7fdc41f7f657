-- What aboard records about a registry person itself, which a registry import (replacing what the export
-- owns) never deletes: cases staff opened from an outcome, opt-outs staff recorded, and when the person
-- last wrote to the airline.

-- NULL: the export's case, replaced by the next import; otherwise who opened it in aboard (`staff:LOGIN`).
ALTER TABLE complaint_cases ADD COLUMN recorded_by TEXT;
-- Cases opened from a gate outcome before provenance was kept carry aboard's own reference.
UPDATE complaint_cases SET recorded_by = 'aboard'
WHERE external_ref LIKE 'aboard-%' AND category = 'raised_in_person';

-- The person asked staff not to be contacted; the latest such request per person.
CREATE TABLE staff_opt_outs (
    person_id UUID PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    task_id UUID,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

-- When the person last wrote to the airline on a network, as aboard heard it.
CREATE TABLE inbound_contacts (
    person_id UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, network)
);

-- An inbound message names its sender by the network's user id or handle.
CREATE INDEX social_accounts_user ON social_accounts (network, network_user_id);
CREATE INDEX social_accounts_handle ON social_accounts (network, handle);
