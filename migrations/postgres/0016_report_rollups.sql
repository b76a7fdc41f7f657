-- Daily rollups of the reports: each station-local day's figures by cell (station, desk, rule, channel,
-- network; the figures as JSON: counts, deadlines by hour, durations by value) and by station (boarded
-- passengers with a link, links decided). They name nobody and outlive the tasks, passengers and links
-- retention purges. A day is rolled up once it is over everywhere and its tasks have ended; the days
-- rolled up are listed, so that a report reads rollups for them and facts for the days after.
CREATE TABLE report_cells (
    day DATE NOT NULL,
    station TEXT NOT NULL,
    desk TEXT NOT NULL,
    rule TEXT NOT NULL,
    channel TEXT NOT NULL,
    network TEXT NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (day, station, desk, rule, channel, network)
);

CREATE TABLE report_station_days (
    day DATE NOT NULL,
    station TEXT NOT NULL,
    boarded_linked BIGINT NOT NULL,
    auto_linked BIGINT NOT NULL,
    confirmed BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    PRIMARY KEY (day, station)
);

CREATE TABLE report_rolled_days (
    day DATE PRIMARY KEY,
    rolled_at TIMESTAMPTZ NOT NULL
);

-- The rollups (and a task's thread) read a task's messages by task; retention, deleting a flight, finds
-- what cascades from it by these too (without them each passenger deleted read every task and scan).
CREATE INDEX messages_task ON messages (task_id);
CREATE INDEX tasks_passenger ON tasks (passenger_id);
CREATE INDEX boarding_scans_passenger ON boarding_scans (passenger_id);
CREATE INDEX boarding_scans_flight ON boarding_scans (flight_id);
CREATE INDEX imports_flight ON imports (flight_id);
