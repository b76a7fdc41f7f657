-- A task's brief in the languages its rule writes it in besides English (`brief.es` in a rule file), as a
-- JSON object from language code to text; staff read the brief in their page language where it exists.
ALTER TABLE tasks ADD COLUMN briefs TEXT NOT NULL DEFAULT '{}';
