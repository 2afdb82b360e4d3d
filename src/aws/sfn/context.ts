/** What the Step Functions adapter's operations need: the workflows use cases' context
 *  (app/workflows.ts) and the region ARNs are written in. */
import type { TagsApp, WorkflowsApp } from '../../app/index.ts';

export interface SfnContext extends WorkflowsApp, TagsApp {
  config: { awsRegion: string };
}
