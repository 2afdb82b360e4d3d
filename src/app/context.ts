/** What the use cases need, injected by whoever calls them (the API's ApiContext is one). */
import type { BlobStore } from '../blobs/index.ts';
import type { Config } from '../config/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { Clock } from '../core/index.ts';
import type { Store } from '../store/index.ts';
import type { Tracing } from '../trace/index.ts';
import type { StartEstimator } from './estimate.ts';

export interface AppContext {
  store: Store;
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
