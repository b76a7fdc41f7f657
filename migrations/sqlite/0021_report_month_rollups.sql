-- Monthly rollups of the reports: a month's day cells merged (the same key without the day), made once
-- every day of the month is rolled up, so that a report over a year reads a few thousand cells rather than
-- a day's ~1,000 cells 365 times. The months made are listed: a report reads a month's cells only then.
CREATE TABLE report_month_cells (
    month TEXT NOT NULL,
    station TEXT NOT NULL,
    desk TEXT NOT NULL,
    rule TEXT NOT NULL,
    channel TEXT NOT NULL,
    network TEXT NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (month, station, desk, rule, channel, network)
);

CREATE TABLE report_rolled_months (
    month TEXT PRIMARY KEY,
    rolled_at TEXT NOT NULL
);
