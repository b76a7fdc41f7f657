-- A booking's passengers are found through the key index: every key begins with its booking
-- (`LOCATOR/…`, `-/…` without one). The separate locator index cost a day's import a fifth of its
-- write time. Keys written before this rule get the prefix.
UPDATE passengers
SET pax_key = COALESCE(locator, '-') || '/' || pax_key
WHERE substr(pax_key, 1, length(COALESCE(locator, '-')) + 1) <> COALESCE(locator, '-') || '/';

DROP INDEX passengers_locator;
