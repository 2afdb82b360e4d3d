/** What the Lambda adapter's operations need. */
import type { CapacityView } from '../../app/index.ts';

export interface LambdaContext {
  /** Worker slots: what concurrent executions are made of. */
  capacity: CapacityView;
}
