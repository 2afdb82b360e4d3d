-- Rotating the secrets master key (`hangar rekey`): a known text sealed under the master key,
-- written once, opened at every start, so that a process given a key that opens nothing stored
-- refuses to start (naming the setting) instead of failing each read of a sealed value. One row.
CREATE TABLE secrets_key_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sealed TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
