-- Outgoing event webhooks: the events the airline's systems subscribe to wait here, one row per event, until
-- an instance leases and delivers them, as the outbox does messages. A trigger queues them in the very
-- transaction that writes the event, whichever code path wrote it, while the setting `event_webhooks` is
-- 1 (each instance sets it at start from its configuration).
CREATE TABLE event_deliveries (
    event_id BLOB PRIMARY KEY,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX event_deliveries_due ON event_deliveries (state, next_attempt_at);

CREATE TRIGGER events_to_webhooks AFTER INSERT ON events
WHEN NEW.action IN ('task.created', 'task.claimed', 'task.done', 'task.expired', 'task.cancelled',
                    'message.sent', 'message.delivered', 'message.read', 'message.failed', 'message.replied',
                    'link.confirmed', 'link.rejected', 'import.manifest', 'import.registry')
 AND EXISTS (SELECT 1 FROM registry_settings WHERE name = 'event_webhooks' AND value = 1)
BEGIN
    INSERT INTO event_deliveries (event_id, state, attempts, next_attempt_at, created_at)
    VALUES (NEW.id, 'queued', 0, NEW.at, NEW.at);
END;
