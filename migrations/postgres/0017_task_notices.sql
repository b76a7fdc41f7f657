-- Each committed change to a station's follow-up tasks is said on the channel aboard_tasks with the
-- station's code, so that the open gate pages of every instance sharing this database hear of it at once
-- (NOTIFY is delivered when the transaction commits, each distinct payload once).
CREATE FUNCTION aboard_tasks_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('aboard_tasks', COALESCE(NEW.station, OLD.station));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tasks_changed AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION aboard_tasks_changed();
