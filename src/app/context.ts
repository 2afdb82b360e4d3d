/** What the use cases need, injected by whoever calls them (the API's ApiContext is one). */
import type { BlobStore } from '../blobs/index.ts';
import type { Config } from '../config/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { Clock } from '../core/index.ts';
import type { Access, OutputLog, Projects, TaskQueue, TaskReads } from '../store/index.ts';
import type { Tracing } from '../trace/index.ts';
import type { StartEstimator } from './estimate.ts';

/** The ports the use cases call: submit, cancel and read tasks, their output, projects, keys and secrets. */
export type AppStore = TaskQueue & TaskReads & OutputLog & Projects & Access;

export interface AppContext {
  store: AppStore;
  blobs: BlobStore;
  clock: Clock;
  metrics: Metrics;
  config: Pick<Config, 'defaultTimeout' | 'visibilityTimeout' | 'maxAttempts' | 'maxQueuedPerUser'>;
  secrets: SecretBox;
  estimator: StartEstimator;
  /** Kills a running task in this process at once, if it runs here (heartbeats reach other workers). */
  cancelLocal(taskId: string): void;
  /** OpenTelemetry spans (no-ops unless HANGAR_OTLP_ENDPOINT is set). */
  tracing: Tracing;
}
