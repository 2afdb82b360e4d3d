-- A lease extension is a HOT update. Every heartbeat moves lease_expires_at of each task its
-- worker runs; while an index covered that column, each extension wrote a new version of the
-- whole row plus an entry in every index of the table (7 for a plain task). The reaper, the
-- only reader of that index, looks at RUNNING tasks, which are bounded by the workers' slots:
-- tasks_user_running (or tasks_status) finds them as well. Pages keep a fifth free so the new
-- version fits beside the old one. Measured (bench/experiments/lease-heartbeats.ts, 2,000
-- leases): a heartbeat 62 -> 13 ms, WAL 949 -> 147 bytes per extended lease.
DROP INDEX tasks_leased;
ALTER TABLE tasks SET (fillfactor = 80);
