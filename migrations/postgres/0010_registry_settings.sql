-- Facts about the stored data itself, by name: `blocking_keys_version` says which version of the matcher's
-- blocking keys the person_keys rows were made with, so that a newer aboard files the old persons anew.
CREATE TABLE registry_settings (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
