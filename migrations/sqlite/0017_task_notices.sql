-- Nothing to change on SQLite: one process serves a SQLite file, and its store tells its own pages of
-- task changes in process. PostgreSQL's 0017 adds the trigger that tells other instances.
SELECT 1;
