-- When each step of a follow-up happened, for the latency reports: a task's first claim (a gate agent's
-- "I'm going", an advisor's claim), and when the network said a message was delivered and read. Earlier
-- rows have none; their steps are not counted.
ALTER TABLE tasks ADD COLUMN claimed_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN delivered_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN read_at TIMESTAMPTZ;
