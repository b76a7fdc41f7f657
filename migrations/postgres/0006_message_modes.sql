-- How each message goes out, as the advisor chose when writing it, so that the outbox sends exactly that:
-- free text, free text tagged HUMAN_AGENT (Messenger, Instagram), or an approved template with its
-- language and parameters (WhatsApp outside its window).
ALTER TABLE messages ADD COLUMN mode TEXT NOT NULL DEFAULT 'free_text';
ALTER TABLE messages ADD COLUMN tag TEXT;
ALTER TABLE messages ADD COLUMN template_name TEXT;
ALTER TABLE messages ADD COLUMN template_language TEXT;
-- A JSON array of strings, in the template's order.
ALTER TABLE messages ADD COLUMN template_parameters TEXT;
