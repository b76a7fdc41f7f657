-- aboard's data model on SQLite. Times are RFC 3339 TEXT in UTC, ids 16-byte BLOBs; local time is computed at the edges.

CREATE TABLE flights (
    id BLOB PRIMARY KEY,
    carrier TEXT NOT NULL,
    number TEXT NOT NULL,
    local_date TEXT NOT NULL,
    origin TEXT NOT NULL,
    destination TEXT,
    scheduled_departure TEXT,
    estimated_departure TEXT,
    actual_departure TEXT,
    scheduled_arrival TEXT,
    estimated_arrival TEXT,
    actual_arrival TEXT,
    boarding_started_at TEXT,
    gate_closed_at TEXT,
    gate TEXT,
    status TEXT NOT NULL,
    -- When the last PNL or ADL applied to this flight was sent: older lists are refused.
    list_sent_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (carrier, number, local_date, origin)
);
CREATE INDEX flights_departure ON flights (scheduled_departure);

CREATE TABLE passengers (
    id BLOB PRIMARY KEY,
    flight_id BLOB NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    pax_key TEXT NOT NULL,
    surname TEXT NOT NULL,
    given_name TEXT NOT NULL,
    title TEXT,
    traveller_class TEXT NOT NULL,
    locator TEXT,
    seat TEXT,
    cabin_class TEXT,
    destination TEXT,
    party_ref TEXT,
    ff_airline TEXT,
    ff_number TEXT,
    email TEXT,
    phone TEXT,
    date_of_birth TEXT,
    gender TEXT,
    nationality TEXT,
    docs_surname TEXT,
    docs_given TEXT,
    checkin_sequence INTEGER,
    service_codes TEXT NOT NULL,
    -- A digest of what the booking says, so a re-import can tell changed passengers from unchanged ones.
    content_digest TEXT NOT NULL,
    boarding_state TEXT NOT NULL,
    boarded_at TEXT,
    removed_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (flight_id, pax_key)
);
CREATE INDEX passengers_locator ON passengers (flight_id, locator);

CREATE TABLE persons (
    id BLOB PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    language TEXT,
    country TEXT,
    date_of_birth TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE person_identifiers (
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (person_id, kind, value)
);
CREATE INDEX person_identifiers_value ON person_identifiers (kind, value);

CREATE TABLE social_accounts (
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    handle TEXT NOT NULL,
    network_user_id TEXT,
    followers INTEGER NOT NULL,
    activity_30d INTEGER NOT NULL,
    follows_airline INTEGER NOT NULL,
    accepts_dms INTEGER NOT NULL,
    opted_in INTEGER NOT NULL,
    last_inbound_at TEXT,
    PRIMARY KEY (person_id, network, handle)
);

CREATE TABLE complaint_cases (
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    external_ref TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    severity INTEGER NOT NULL,
    summary TEXT NOT NULL,
    status TEXT NOT NULL,
    source_url TEXT,
    PRIMARY KEY (person_id, external_ref)
);
CREATE INDEX complaint_cases_opened ON complaint_cases (opened_at);

CREATE TABLE consents (
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    opted_out INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (person_id, channel)
);

CREATE TABLE identity_links (
    passenger_id BLOB NOT NULL REFERENCES passengers (id) ON DELETE CASCADE,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    score REAL NOT NULL,
    reasons TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (passenger_id, person_id)
);
CREATE INDEX identity_links_person ON identity_links (person_id);
CREATE INDEX identity_links_decision ON identity_links (decision, updated_at);

-- The matcher's blocking keys of each person (64-bit hashes), so that a flight's candidates come from an
-- indexed lookup rather than a scan of the registry.
CREATE TABLE person_keys (
    key INTEGER NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (key, person_id)
);
CREATE INDEX person_keys_person ON person_keys (person_id);

-- Staff review decisions, remembered per person and passenger fingerprint; they win over the matcher.
CREATE TABLE match_decisions (
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (person_id, fingerprint)
);
CREATE INDEX match_decisions_fingerprint ON match_decisions (fingerprint);

CREATE TABLE tasks (
    id BLOB PRIMARY KEY,
    flight_id BLOB NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    passenger_id BLOB NOT NULL REFERENCES passengers (id) ON DELETE CASCADE,
    -- NULL once the person is erased: the task stays for the figures, without anything naming them.
    person_id BLOB REFERENCES persons (id) ON DELETE SET NULL,
    rule_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    station TEXT NOT NULL,
    gate TEXT,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    assignee TEXT,
    brief TEXT NOT NULL,
    why TEXT NOT NULL,
    outcome TEXT,
    outcome_note TEXT,
    cancel_reason TEXT,
    -- Set once, when the scheduler raised the task's priority because its deadline was near or past.
    escalated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (flight_id, passenger_id, rule_id)
);
CREATE INDEX tasks_state_due ON tasks (state, due_at);
CREATE INDEX tasks_station ON tasks (station, state);
CREATE INDEX tasks_person ON tasks (person_id, created_at);

CREATE TABLE messages (
    id BLOB PRIMARY KEY,
    task_id BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    provider_message_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);

CREATE TABLE events (
    id BLOB PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    flight_id BLOB,
    person_id BLOB,
    detail TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_subject ON events (subject_kind, subject_id);
CREATE INDEX events_person ON events (person_id);

CREATE TABLE imports (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    digest TEXT NOT NULL,
    flight_id BLOB REFERENCES flights (id) ON DELETE CASCADE,
    sent_at TEXT,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (kind, digest)
);

CREATE TABLE boarding_scans (
    id BLOB PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    raw TEXT NOT NULL,
    station TEXT NOT NULL,
    gate TEXT,
    reader_id TEXT,
    scanned_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    flight_id BLOB REFERENCES flights (id) ON DELETE SET NULL,
    passenger_id BLOB REFERENCES passengers (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX boarding_scans_outcome ON boarding_scans (outcome, received_at);

CREATE TABLE stations (
    iata TEXT PRIMARY KEY,
    staffed INTEGER NOT NULL,
    shift_start TEXT,
    shift_end TEXT
);

CREATE TABLE staff_users (
    id BLOB PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    ui_language TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE staff_sessions (
    token_digest TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

CREATE TABLE scheduler_ticks (
    job TEXT NOT NULL,
    tick_at TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    detail TEXT,
    PRIMARY KEY (job, tick_at)
);
CREATE INDEX scheduler_ticks_at ON scheduler_ticks (tick_at);
