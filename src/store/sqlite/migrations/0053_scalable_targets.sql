-- Application Auto Scaling of functions' provisioned concurrency: scalable targets (a function's
-- alias or version kept between a minimum and a maximum count) and their target tracking
-- policies, which go with their target.
CREATE TABLE scalable_targets (
  user_id TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  min_capacity INTEGER NOT NULL,
  max_capacity INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_scaled_at INTEGER,
  PRIMARY KEY (user_id, resource_id)
) WITHOUT ROWID;
CREATE TABLE scaling_policies (
  user_id TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  name TEXT NOT NULL,
  target_value REAL NOT NULL,
  scale_in_cooldown INTEGER NOT NULL,
  scale_out_cooldown INTEGER NOT NULL,
  disable_scale_in INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, resource_id, name),
  FOREIGN KEY (user_id, resource_id) REFERENCES scalable_targets (user_id, resource_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- A target's tags (resource_tags, 0035) go with it, and a target registered anew starts with none.
CREATE TRIGGER scalable_target_tags_gone AFTER DELETE ON scalable_targets BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id AND resource = 'application-autoscaling:scalable-target:' || OLD.resource_id;
END;
CREATE TRIGGER scalable_target_tags_fresh AFTER INSERT ON scalable_targets BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id AND resource = 'application-autoscaling:scalable-target:' || NEW.resource_id;
END;

-- What the control loop did to a target (DescribeScalingActivities): the latest 100 of each are
-- kept, and they go with the target.
CREATE TABLE scaling_activities (
  user_id TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  description TEXT NOT NULL,
  cause TEXT NOT NULL,
  status_code TEXT NOT NULL,
  status_message TEXT NOT NULL,
  PRIMARY KEY (user_id, resource_id, activity_id),
  FOREIGN KEY (user_id, resource_id) REFERENCES scalable_targets (user_id, resource_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX scaling_activities_recent ON scaling_activities (user_id, started_at DESC);
