-- Messenger's and Instagram's watermarks name a person and a time, not a message: every message of ours
-- to that person sent up to then was delivered or read.
CREATE INDEX messages_recipient ON messages (network, recipient, sent_at);
