-- Which autoscaler made each decision (its leader-lease holder id, host-pid-random): with
-- several autoscalers in a deployment (one leads, the others stand by), the log says whose
-- launches and retires these were. NULL for decisions recorded before this column.
ALTER TABLE scaling_events ADD COLUMN autoscaler TEXT;
