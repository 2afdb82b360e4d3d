-- The registered image a task runs in (sandbox); NULL = the host's /usr and /etc.
ALTER TABLE tasks ADD COLUMN image TEXT;
