-- Application Auto Scaling of functions' provisioned concurrency: scalable targets (a function's
-- alias or version kept between a minimum and a maximum count) and their target tracking
-- policies, which go with their target.
CREATE TABLE scalable_targets (
  user_id TEXT NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  min_capacity INTEGER NOT NULL,
  max_capacity INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  last_scaled_at BIGINT,
  PRIMARY KEY (user_id, resource_id)
);
CREATE TABLE scaling_policies (
  user_id TEXT NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  target_value DOUBLE PRECISION NOT NULL,
  scale_in_cooldown INTEGER NOT NULL,
  scale_out_cooldown INTEGER NOT NULL,
  disable_scale_in BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, resource_id, name),
  FOREIGN KEY (user_id, resource_id) REFERENCES scalable_targets (user_id, resource_id) ON DELETE CASCADE
);

-- A target's tags (resource_tags, 0035) go with it, and a target registered anew starts with none.
CREATE FUNCTION scalable_target_tags_clear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  DELETE FROM resource_tags WHERE user_id = r.user_id AND resource = 'application-autoscaling:scalable-target:' || r.resource_id;
  RETURN NULL;
END $$;
CREATE TRIGGER scalable_target_tags_clear AFTER INSERT OR DELETE ON scalable_targets
  FOR EACH ROW EXECUTE FUNCTION scalable_target_tags_clear();

-- What the control loop did to a target (DescribeScalingActivities): the latest 100 of each are
-- kept, and they go with the target.
CREATE TABLE scaling_activities (
  user_id TEXT NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  activity_id TEXT COLLATE "C" NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  description TEXT NOT NULL,
  cause TEXT NOT NULL,
  status_code TEXT NOT NULL,
  status_message TEXT NOT NULL,
  PRIMARY KEY (user_id, resource_id, activity_id),
  FOREIGN KEY (user_id, resource_id) REFERENCES scalable_targets (user_id, resource_id) ON DELETE CASCADE
);
CREATE INDEX scaling_activities_recent ON scaling_activities (user_id, started_at DESC);
