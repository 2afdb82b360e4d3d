/** What the Lambda adapter's operations need. */
import type { CapacityView, FunctionAccessApp, FunctionsApp } from '../../app/index.ts';
import type { FunctionHost } from '../../functions/index.ts';

export interface LambdaContext extends FunctionsApp, FunctionAccessApp {
  /** This process's function host (Invoke), once its sandboxing workers exist. */
  functionHost: { current: FunctionHost | null };
  /** Worker slots: what concurrent executions are made of. */
  capacity: CapacityView;
  config: {
    awsRegion: string;
    /** Where Hangar's native API is reached, for the code's download URL (GetFunction's
     *  Code.Location); by default the request's Host. */
    publicUrl?: string;
    tlsCert?: string;
    /** The domain function URLs are served under by Host (`<url-id>.lambda-url.<region>.<domain>`);
     *  unset, FunctionUrl is the path form on the API's address (`/lambda-url/<url-id>/`). */
    functionUrlDomain?: string;
  };
}
