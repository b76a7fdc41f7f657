-- Failed sign-ins, counted per login ('login:…') and per client address ('address:…') in the database so
-- that every instance serving it holds the same count and the same lockout.
CREATE TABLE signin_failures (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
