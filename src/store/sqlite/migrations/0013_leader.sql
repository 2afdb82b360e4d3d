-- Leader leases (issue 7): named, expiring locks that one process holds at a time (the
-- autoscaler of a deployment); taken when free or expired, renewed by the holder.
CREATE TABLE leader_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
