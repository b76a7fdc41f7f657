-- What people wrote to the airline, as the networks' webhooks delivered it: once per network message id
-- (a network that delivers an event twice changes nothing). The sender is the network's user id; the
-- person and the task are what aboard matched it to, none for an unknown sender (kept all the same).
CREATE TABLE inbound_messages (
    id BLOB PRIMARY KEY,
    network TEXT NOT NULL,
    network_message_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    person_id BLOB REFERENCES persons (id) ON DELETE CASCADE,
    task_id BLOB REFERENCES tasks (id) ON DELETE CASCADE,
    -- None where the network delivers only ciphertext (X Chat): that the person wrote, and when, still counts.
    body TEXT,
    sent_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- When the advisor holding the task opened it after this arrived.
    seen_at TEXT,
    UNIQUE (network, network_message_id)
);
CREATE INDEX inbound_messages_task ON inbound_messages (task_id);

-- Status webhooks name a message by the id the network gave it.
CREATE INDEX messages_provider ON messages (provider_message_id);
