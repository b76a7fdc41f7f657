-- Type B messages (PNL, ADL) held until they can be applied: parts delivered apart, kept until every part is
-- in, and whole ADLs waiting for their flight's PNL. Once a message is applied (or superseded) its parts'
-- text is deleted and the message row keeps the outcome, so that a part delivered again is known.
CREATE TABLE held_messages (
    message_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    flight_number TEXT NOT NULL,
    local_date DATE NOT NULL,
    origin TEXT NOT NULL,
    sent_at TIMESTAMPTZ,
    first_received_at TIMESTAMPTZ NOT NULL,
    stale_reported_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    outcome TEXT
);
CREATE INDEX held_messages_open ON held_messages (first_received_at) WHERE closed_at IS NULL;

CREATE TABLE held_message_parts (
    message_key TEXT NOT NULL REFERENCES held_messages (message_key) ON DELETE CASCADE,
    part INTEGER NOT NULL,
    is_last BOOLEAN NOT NULL,
    file_name TEXT NOT NULL,
    first_line INTEGER NOT NULL,
    body TEXT NOT NULL,
    actor TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_key, part)
);
