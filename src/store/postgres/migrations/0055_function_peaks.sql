-- Provisioned concurrency scaling on the scale-out shape: with each advert, a worker host reports
-- the most invocations of each function's alias or version it ran at once since its previous
-- advert; a row keeps the most a host reported since the scaling loop last took (deleted) them,
-- and the loop sums them across hosts. No foreign keys: a row lives one scaling round at most.
CREATE TABLE function_peaks (
  host_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  qualifier TEXT COLLATE "C" NOT NULL,
  peak INTEGER NOT NULL,
  PRIMARY KEY (host_id, user_id, function_name, qualifier)
);
