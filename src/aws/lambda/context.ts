/** What the Lambda adapter's operations need. */
import type {
  CapacityView,
  CircuitBreakers,
  DownloadsApp,
  FunctionAccessApp,
  FunctionsApp,
  InvocationObserver,
  LayersApp,
  ProvisionedApp,
  RemoteInvoker,
  TagsApp,
} from '../../app/index.ts';
import type { FunctionHost } from '../../functions/index.ts';
import type { Access, TaskQueue } from '../../store/index.ts';
import type { AwsCaller } from '../service.ts';

export interface LambdaContext extends FunctionsApp, FunctionAccessApp, ProvisionedApp, TagsApp, LayersApp, DownloadsApp {
  /** This process's function host (Invoke), once its sandboxing workers exist. */
  functionHost: { current: FunctionHost | null };
  /** Where Event invocations are stored (each a task of the reserved functions queue), and the
   *  keys whose users another account's ARN is looked up among (app/cross-account.ts). */
  store: Pick<TaskQueue, 'submit'> & Pick<Access, 'listKeys'>;
  /** Scale-out: where Invoke goes without a host here (app/dispatch.ts). */
  functionDispatch?: RemoteInvoker | null;
  /** Told of each invocation (its record and metrics). */
  invocations: InvocationObserver;
  /** This process's functions' circuit breakers (app/circuit-breakers.ts). */
  breakers: CircuitBreakers;
  /** Worker slots: what concurrent executions are made of. */
  capacity: CapacityView;
  config: {
    awsRegion: string;
    /** Seconds an event's lease lasts without a heartbeat. */
    visibilityTimeout: number;
    /** Where Hangar's native API is reached, for the code's presigned download URL
     *  (GetFunction's Code.Location); by default the request's Host. */
    publicUrl?: string;
    tlsCert?: string;
    /** The domain function URLs are served under by Host (`<url-id>.lambda-url.<region>.<domain>`);
     *  unset, FunctionUrl is the path form on the API's address (`/lambda-url/<url-id>/`). */
    functionUrlDomain?: string;
  };
}

/** Whose functions a call reaches: its key's user. With authentication off (HANGAR_AUTH=none)
 *  every caller is one anonymous user, as accountIdOf('') is one account. */
export const ANONYMOUS_USER = 'anonymous';
export const userOf = (caller: AwsCaller): string => caller.principal.userId ?? ANONYMOUS_USER;
