/** What the Step Functions adapter's operations need: the workflows use cases' context
 *  (app/workflows.ts) and the region ARNs are written in. */
import type { ActivitiesApp, TagsApp } from '../../app/index.ts';

export interface SfnContext extends ActivitiesApp, TagsApp {
  config: { awsRegion: string; activityPollMs?: number };
}
