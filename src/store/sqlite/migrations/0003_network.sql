-- Network access a task asked for: 'none' (no network at all) or 'egress' (outbound through the
-- worker's guarded proxy).
ALTER TABLE tasks ADD COLUMN network TEXT NOT NULL DEFAULT 'none';
