/**
 * EXPRESS executions (issue 24): run in memory on the real clock (core/asl/run.ts), without
 * history, as AWS runs them.
 *
 * One started synchronously (StartSyncExecution) belongs to its caller's request: if the process
 * dies the caller gets an error and retries, so nothing is kept. One started asynchronously
 * (StartExecution) was accepted, so it is kept (store/ports/express-starts.ts) from before the
 * caller is answered until it ends, under this runner's lease: if the process dies — or closes
 * with it unfinished — the lease lapses (closing lets it go at once) and any runner runs it
 * again from its start. At least once, as AWS documents asynchronous Express workflows.
 */
import { randomUUID } from 'node:crypto';
import {
  type ExecutionInfo,
  type ItemReadRequest,
  type Json,
  type ResultWriteRequest,
  runExecution,
  type StateMachineDefinition,
  StatesErrors,
  StatesFailure,
  type TaskResolver,
} from '../core/asl/index.ts';
import type { Clock, StateMachine } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { ExpressStart, ExpressStarts } from '../store/index.ts';
import { MAX_EVENTS, stateMachineArn } from './workflow-execution.ts';
import type { ExpressResult } from './workflow-types.ts';

export interface ExpressDeps {
  /** Where EXPRESS executions started asynchronously are kept until they end. */
  expressStarts: ExpressStarts;
  clock: Clock;
  log: Logger;
  /** Runs a Task's resource for the execution's owner (workflow-tasks.ts). */
  tasks: (userId: string) => TaskResolver;
  /** Reads a Distributed Map's items for the execution's owner (workflow-items.ts); absent:
   *  such a Map fails with States.Runtime. */
  readItems?: (userId: string, request: ItemReadRequest) => Promise<Json[]>;
  /** Writes a Distributed Map's exported results for the execution's owner (workflow-results.ts);
   *  absent: such a Map fails with States.Runtime. */
  writeResults?: (userId: string, request: ResultWriteRequest) => Promise<void>;
  region: string;
  accountOf: (userId: string) => string;
}

/** What running an EXPRESS execution needs of its state machine. */
type ExpressMachine = Pick<StateMachine, 'userId' | 'name' | 'definition' | 'roleArn'>;

/** The real clock an EXPRESS execution runs on: sleeps, and a cancellable timer for its deadline.
 *  Once `stop` aborts, a sleep ends in its reason (the run ends there) and no timer is left. */
export const realClock = (clock: Pick<Clock, 'now'>, stop?: AbortSignal) => ({
  now: () => clock.now(),
  sleep: (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (stop?.aborted) return reject(stop.reason);
      const abort = () => {
        clearTimeout(t);
        reject(stop?.reason);
      };
      const t = setTimeout(() => {
        stop?.removeEventListener('abort', abort);
        resolve();
      }, ms);
      stop?.addEventListener('abort', abort, { once: true });
    }),
  timer: (ms: number, fn: () => void) => {
    const t = setTimeout(fn, ms);
    const cancel = () => clearTimeout(t);
    stop?.addEventListener('abort', cancel, { once: true });
    return () => {
      cancel();
      stop?.removeEventListener('abort', cancel);
    };
  },
});

/** At most this many kept starts are run by one runner at a time (more wait for the next poll). */
const MAX_TAKEN = 64;
/** AWS's limit on an Express execution's duration: five minutes from its start, then TIMED_OUT
 *  (States.Timeout); a kept start taken over later than that ends so without running again. */
export const EXPRESS_MAX_DURATION_MS = 5 * 60_000;
/** A kept start taken this many times without ending is let go, not run again: each run's process
 *  died or let it go, and one that kills every process that runs it would otherwise do so again
 *  at each lease's lapse until its five minutes are up. */
export const EXPRESS_MAX_RUNS = 5;

export class ExpressRunner {
  private readonly deps: ExpressDeps;
  private readonly owner = `express-${randomUUID()}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  /** Kept starts this runner is running, by id. */
  private readonly running = new Map<string, Promise<void>>();
  private poller: NodeJS.Timeout | null = null;
  private renewer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closed = false;
  /** Aborted by close: the kept executions running here stop at their next wait and are let go. */
  private readonly stop = new AbortController();

  private readonly maxDurationMs: number;

  constructor(deps: ExpressDeps, o: { leaseMs: number; pollMs: number; maxDurationMs?: number }) {
    this.deps = deps;
    this.leaseMs = o.leaseMs;
    this.pollMs = o.pollMs;
    this.maxDurationMs = o.maxDurationMs ?? EXPRESS_MAX_DURATION_MS;
  }

  /** Starts taking kept starts whose runner died or let them go. */
  begin(): void {
    [this.poller, this.renewer] = leaseTimers(
      this.pollMs,
      () => this.poll(),
      this.leaseMs,
      () => void this.renew(),
    );
    this.poll();
  }

  /** StartExecution: kept (durably) before it resolves, then run here. */
  async start(machine: ExpressMachine, name: string, input: string): Promise<{ expressId: string; startedAt: number }> {
    const s: Omit<ExpressStart, 'runs'> = {
      id: randomUUID(),
      userId: machine.userId,
      stateMachineName: machine.name,
      name,
      definition: machine.definition,
      roleArn: machine.roleArn,
      input,
      startedAt: this.deps.clock.now(),
    };
    await this.deps.expressStarts.addExpressStart(s, this.owner, s.startedAt + this.leaseMs);
    this.runKept({ ...s, runs: 1 });
    return { expressId: s.id, startedAt: s.startedAt };
  }

  /** StartSyncExecution: run to its end, nothing kept. */
  async runSync(machine: StateMachine, name: string, input: string): Promise<ExpressResult> {
    const expressId = randomUUID();
    const startedAt = this.deps.clock.now();
    // Closing stops it too (its caller gets the error at once, not at its deadline).
    return { machine, ...(await untilStopped(this.run(machine, name, input, expressId, startedAt, this.stop.signal), this.stop.signal)) };
  }

  /** Runs one execution in memory to its end. */
  private async run(
    machine: ExpressMachine,
    name: string,
    input: string,
    expressId: string,
    startedAt: number,
    stop?: AbortSignal,
  ): Promise<Omit<ExpressResult, 'machine'>> {
    const account = this.deps.accountOf(machine.userId);
    const info: ExecutionInfo = {
      id: `arn:aws:states:${this.deps.region}:${account}:express:${machine.name}:${name}:${expressId}`,
      name,
      input: JSON.parse(input) as Json,
      startTime: new Date(startedAt).toISOString(),
      roleArn: machine.roleArn,
      stateMachineId: stateMachineArn(this.deps.region, account, machine.name),
      stateMachineName: machine.name,
      redriveCount: 0,
    };
    const result = await runExecution(JSON.parse(machine.definition) as StateMachineDefinition, info.input, {
      type: 'EXPRESS',
      execution: info,
      resolveTask: timedOut(this.deps.tasks(machine.userId)),
      ...(this.deps.readItems ? { readItems: (r: ItemReadRequest) => this.deps.readItems!(machine.userId, r) } : {}),
      ...(this.deps.writeResults ? { writeResults: (r: ResultWriteRequest) => this.deps.writeResults!(machine.userId, r) } : {}),
      // An EXPRESS execution keeps no history on AWS, so no 25,000-event cap: only the runaway
      // guard; and none is made here (nothing reads it).
      maxEvents: MAX_EVENTS,
      history: false,
      clock: realClock(this.deps.clock, stop),
      deadlineMs: startedAt + this.maxDurationMs,
    });
    const ended = { name, expressId, startedAt, stoppedAt: this.deps.clock.now() };
    return result.status === 'SUCCEEDED'
      ? { ...ended, status: 'SUCCEEDED', output: JSON.stringify(result.output), error: null, cause: null }
      : { ...ended, status: result.status, output: null, error: result.error ?? null, cause: result.cause ?? null };
  }

  /** Runs a kept start (again, after a takeover: from its start) and forgets it at its end. */
  private runKept(s: ExpressStart): void {
    const machine: ExpressMachine = { userId: s.userId, name: s.stateMachineName, definition: s.definition, roleArn: s.roleArn };
    const log = { expressId: s.id, stateMachine: s.stateMachineName, runs: s.runs };
    if (s.runs > EXPRESS_MAX_RUNS) {
      this.deps.log.error(log, `express execution let go: taken ${s.runs - 1} times without ending (each run's process died or let it go)`);
      this.running.set(s.id, this.forget(s.id));
      return;
    }
    if (s.runs > 1) this.deps.log.info(log, 'express execution taken over: running it again from its start');
    const done = this.run(machine, s.name, s.input, s.id, s.startedAt, this.stop.signal).then(
      (r) => {
        this.deps.log.debug({ ...log, status: r.status, error: r.error }, 'express execution ended');
        return this.forget(s.id);
      },
      (err) => {
        // Stopped by close: let go, another runner runs it again; nothing to forget.
        if (this.stop.signal.aborted) return void this.running.delete(s.id);
        // A definition that cannot run at all (it was checked when stored) would fail every run.
        this.deps.log.error({ ...log, err }, 'express execution failed');
        return this.forget(s.id);
      },
    );
    this.running.set(s.id, done);
  }

  /** Forgets an ended start: in the store (retried: one left behind would run again), then here. */
  private async forget(id: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.expressStarts.endExpressStart(id);
        break;
      } catch (err) {
        if (attempt >= 4) {
          this.deps.log.warn({ err, expressId: id }, 'express runner: forgetting an ended execution failed; it may run again');
          break;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    this.running.delete(id);
  }

  private poll(): void {
    if (this.closed || this.polling) return;
    this.polling = (async () => {
      try {
        const taken = await this.deps.expressStarts.claimExpressStarts(
          this.owner,
          this.deps.clock.now(),
          this.leaseMs,
          MAX_TAKEN - this.running.size,
        );
        for (const s of taken) {
          // Ours already (its lease lapsed while it ran here, say): it runs on.
          if (!this.running.has(s.id)) this.runKept(s);
        }
      } catch (err) {
        this.deps.log.warn({ err }, 'express runner: taking kept executions failed; retrying');
      } finally {
        this.polling = null;
      }
    })();
  }

  private async renew(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      await this.deps.expressStarts.renewExpressStarts(this.owner, this.deps.clock.now() + this.leaseMs);
    } catch (err) {
      this.deps.log.warn({ err }, 'express runner: renewing leases failed');
    }
  }

  /** Stops taking starts and lets go of those running here: another runner runs them again. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort(new Error('express runner closed'));
    if (this.poller) clearInterval(this.poller);
    if (this.renewer) clearInterval(this.renewer);
    await this.polling;
    if (this.running.size > 0) {
      try {
        await this.deps.expressStarts.releaseExpressStarts(this.owner);
      } catch (err) {
        this.deps.log.warn({ err }, 'express runner: letting kept executions go failed; their leases will lapse');
      }
    }
  }
}

/** `work`'s outcome, or the stop's reason once `stop` aborts, whichever comes first. */
function untilStopped<T>(work: Promise<T>, stop: AbortSignal): Promise<T> {
  if (stop.aborted) return Promise.reject(stop.reason);
  let abort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    abort = () => reject(stop.reason);
    stop.addEventListener('abort', abort, { once: true });
  });
  return Promise.race([work, stopped]).finally(() => stop.removeEventListener('abort', abort));
}

/** A runner's two timers (unref'd): `poll` every pollMs, `renew` every third of the lease. */
export function leaseTimers(pollMs: number, poll: () => void, leaseMs: number, renew: () => void): [NodeJS.Timeout, NodeJS.Timeout] {
  const poller = setInterval(poll, pollMs);
  const renewer = setInterval(renew, Math.max(50, Math.floor(leaseMs / 3)));
  poller.unref();
  renewer.unref();
  return [poller, renewer];
}

/**
 * A Task's TimeoutSeconds on the real clock, for EXPRESS executions (a STANDARD one keeps the
 * deadline on its task frame): past it the task fails with States.Timeout and an empty cause,
 * as on AWS, whatever the resource is still doing.
 */
function timedOut(resolve: TaskResolver): TaskResolver {
  return (request) => {
    const seconds = request.timeoutSeconds;
    if (seconds === undefined) return resolve(request);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StatesFailure(StatesErrors.Timeout, '')), seconds * 1000);
    });
    return Promise.race([resolve(request), late]).finally(() => clearTimeout(timer));
  };
}
