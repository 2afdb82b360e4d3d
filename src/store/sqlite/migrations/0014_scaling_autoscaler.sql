-- Which autoscaler made each decision (its leader-lease holder id); NULL for older ones.
ALTER TABLE scaling_events ADD COLUMN autoscaler TEXT;
