-- Provisioned concurrency scaling on the scale-out shape: the same table as PostgreSQL's 0055, so
-- the function fleet port's conformance suite runs on both backends (the embedded shape measures
-- in its own process and never writes here).
CREATE TABLE function_peaks (
  host_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  peak INTEGER NOT NULL,
  PRIMARY KEY (host_id, user_id, function_name, qualifier)
) WITHOUT ROWID;
