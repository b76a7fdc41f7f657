-- When the next message may leave through a network's account (a WhatsApp number, a Page, an X account):
-- for the whole account (recipient '') and for one person. Kept in the database so that every instance
-- sending through it takes turns from the same instants and honours a hold another instance learnt from
-- the network's answer. A person's row is removed once its instant has passed.
CREATE TABLE send_pacing (
    network TEXT NOT NULL,
    account TEXT NOT NULL,
    recipient TEXT NOT NULL,
    next_at TEXT NOT NULL,
    PRIMARY KEY (network, account, recipient)
);
CREATE INDEX send_pacing_next_at ON send_pacing (next_at);
