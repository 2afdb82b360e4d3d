/** What the Lambda adapter's operations need. */
import type { CapacityView, FunctionsApp, InvocationObserver } from '../../app/index.ts';
import type { FunctionHost } from '../../functions/index.ts';

export interface LambdaContext extends FunctionsApp {
  /** This process's function host (Invoke), once its sandboxing workers exist. */
  functionHost: { current: FunctionHost | null };
  /** Told of each invocation (its record and metrics). */
  invocations: InvocationObserver;
  /** Worker slots: what concurrent executions are made of. */
  capacity: CapacityView;
  config: {
    awsRegion: string;
    /** Where Hangar's native API is reached, for the code's download URL (GetFunction's
     *  Code.Location); by default the request's Host. */
    publicUrl?: string;
    tlsCert?: string;
  };
}
