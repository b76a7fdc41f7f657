-- Reports read a period's tasks, boarded passengers and identity links by when they happened: without
-- these, every report scans each table whole.
CREATE INDEX tasks_created ON tasks (created_at);
CREATE INDEX passengers_boarded ON passengers (boarded_at) WHERE boarded_at IS NOT NULL;
CREATE INDEX identity_links_created ON identity_links (created_at);
