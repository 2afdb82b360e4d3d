-- The API's rate limit across API nodes: per key (a user, or an address before
-- authentication), the window's start and the requests every node has counted in it. Each node
-- counts locally and adds its counts here every few tens of ms, reading back the total. Unlogged:
-- a crash forgets the counts, which only restarts the windows.
CREATE UNLOGGED TABLE rate_counts (
  key TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  n INTEGER NOT NULL
);
