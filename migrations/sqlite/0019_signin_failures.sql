-- Failed sign-ins, counted per login ('login:…') and per client address ('address:…') in the database so
-- that every instance serving it holds the same count and the same lockout.
CREATE TABLE signin_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at TEXT NOT NULL,
    locked_until TEXT
);
