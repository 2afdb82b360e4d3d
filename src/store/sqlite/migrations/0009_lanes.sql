-- Lanes (issue 6): tasks of one owner with the same lane run one at a time, in submit order,
-- as the messages of an SQS FIFO message group (a terminal's commands). A task is claimable
-- only while no earlier task of its lane is PENDING or RUNNING; this index holds those.
ALTER TABLE tasks ADD COLUMN lane TEXT;
CREATE INDEX tasks_lane_active ON tasks (lane, seq) WHERE lane IS NOT NULL AND status IN ('PENDING', 'RUNNING');
CREATE INDEX tasks_lane ON tasks (lane, seq) WHERE lane IS NOT NULL;
