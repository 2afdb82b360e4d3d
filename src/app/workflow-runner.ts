/**
 * The workflow runner (issue 24): carries executions of state machines.
 *
 * STANDARD executions are durable. The runner holds each one it runs under a lease in the store
 * (store/ports/workflows.ts) and moves it on by commits, each written before its effects are
 * carried out; if its process dies, the lease lapses and any runner claims the execution and goes
 * on from the last commit (a Task in flight then runs again: at least once, as on AWS). Waits
 * and long retries give the lease up and cost nothing while they wait.
 *
 * EXPRESS executions run in memory (express-runner.ts); those started asynchronously are kept
 * until they end, so that each runs at least once.
 */
import { randomUUID } from 'node:crypto';
import {
  type ExecutionInfo,
  type Json,
  type JsonObject,
  type MapRunUpdate,
  type TaskRequest,
  type TaskResolver,
  StatesFailure,
} from '../core/asl/index.ts';
import { Conflict, childLaunch, type Execution, NotFound, qualifierOf, type StateMachine, workflowErrors } from '../core/index.ts';
import { uuidv7 } from '../store/ids.ts';
import type { ActivityTaskRecord, StateMachineVersions, TaskTokenRecord, Workflows } from '../store/index.ts';
import { type ExpressDeps, ExpressRunner, leaseTimers } from './express-runner.ts';
import { machineForStart } from './state-machine-target.ts';
import {
  executionArn,
  type InboxBody,
  type Launch,
  LiveExecution,
  type Read,
  type Write,
  stateMachineArn,
  type TaskOutcome,
} from './workflow-execution.ts';
import type { ExpressResult, Started, StartOrigin, TaskAnswer, WorkflowRunner } from './workflow-types.ts';

export interface RunnerOptions {
  /** How long a claim lasts without renewal, ms. */
  leaseMs?: number;
  /** How often due executions are claimed, ms. */
  pollMs?: number;
  /** A wait longer than this gives the lease up (the execution is claimed again when due), ms. */
  holdMs?: number;
  /** An EXPRESS execution's longest run, ms from its start (AWS's five minutes; tests shorten it). */
  expressMaxDurationMs?: number;
}

/** What the runner needs: ExpressDeps (the task resolver, the items reader, where EXPRESS starts
 *  are kept, ARN parts) and the store's workflows. */
export interface RunnerDeps extends ExpressDeps {
  workflows: Workflows;
  /** Versions and aliases, for a `states:startExecution` Task naming a version's or an alias's
   *  ARN (without them such an ARN names no machine); `routingRandom` as the use cases'. */
  stateMachineVersions?: StateMachineVersions;
  routingRandom?: () => number;
}

/** The durable runner: STANDARD executions through the store, EXPRESS ones in memory. */
export class StoreWorkflowRunner implements WorkflowRunner {
  private readonly deps: RunnerDeps;
  private readonly owner = `runner-${randomUUID()}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly holdMs: number;
  /** Executions this runner holds, by id. */
  private readonly live = new Map<string, Held>();
  private poller: NodeJS.Timeout | null = null;
  private renewer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closed = false;
  /** Who waits for an execution to be let go (released), by id. */
  private readonly waiters = new Map<string, (() => void)[]>();
  /** Work in flight (drives, launches), awaited by close(). */
  private readonly busy = new Set<Promise<unknown>>();
  private readonly express: ExpressRunner;

  constructor(deps: RunnerDeps, o: RunnerOptions = {}) {
    this.deps = deps;
    this.leaseMs = o.leaseMs ?? 10_000;
    this.pollMs = o.pollMs ?? 200;
    this.holdMs = o.holdMs ?? 5_000;
    // Kept EXPRESS starts are taken over only once their lease lapsed: no need to look as often.
    this.express = new ExpressRunner(deps, {
      leaseMs: this.leaseMs,
      pollMs: Math.max(this.pollMs, 1000),
      ...(o.expressMaxDurationMs === undefined ? {} : { maxDurationMs: o.expressMaxDurationMs }),
    });
  }

  taskResolver(userId: string): TaskResolver {
    return this.deps.tasks(userId);
  }

  /** Starts claiming due executions (and those whose runner died). */
  begin(): void {
    [this.poller, this.renewer] = leaseTimers(
      this.pollMs,
      () => this.poll(),
      this.leaseMs,
      () => void this.renew(),
    );
    this.poll();
    this.express.begin();
  }

  private info(machine: StateMachine, name: string, input: Json, startedAt: number): ExecutionInfo {
    const account = this.deps.accountOf(machine.userId);
    return {
      id: executionArn(this.deps.region, account, machine.name, name),
      name,
      input,
      startTime: new Date(startedAt).toISOString(),
      roleArn: machine.roleArn,
      stateMachineId: stateMachineArn(this.deps.region, account, machine.name),
      stateMachineName: machine.name,
      redriveCount: 0,
    };
  }

  async start(machine: StateMachine, name: string, input: string, origin: StartOrigin = {}): Promise<Started> {
    const now = this.deps.clock.now();
    if (machine.type === 'EXPRESS') {
      const { expressId, startedAt } = await this.express.start(machine, name, input);
      return { type: 'EXPRESS', machine, name, startedAt, expressId };
    }
    const execution: Execution = {
      id: uuidv7(now),
      userId: machine.userId,
      stateMachineName: machine.name,
      name,
      status: 'RUNNING',
      input,
      output: null,
      error: null,
      cause: null,
      definition: machine.definition,
      revisionId: machine.revisionId,
      startedAt: now,
      stoppedAt: null,
      parentId: origin.parentId ?? null,
      stateMachineVersion: origin.version ?? null,
      stateMachineAlias: origin.alias ?? null,
      redriveCount: 0,
      redriveDate: null,
      redriveTokens: [],
    };
    const info = this.info(machine, name, JSON.parse(input), now);
    let { live, events, frames } = LiveExecution.start(execution, info, this.now, Math.random);
    let wakeAt: number | null = now;
    // The first transition goes in with the start when it can: one durable write (an fsync) less
    // before the first task. One that ends the execution or stores a task token is committed
    // after it, as every later one is.
    try {
      await live.advance();
      const first = live.takeFirst(now + this.leaseMs);
      if (first) {
        const put = new Map(frames.map((f) => [f.frameId, f]));
        for (const f of first.putFrames) put.set(f.frameId, f);
        for (const id of first.deleteFrames) put.delete(id);
        events = [...events, ...first.events];
        frames = [...put.values()];
        wakeAt = first.wakeAt;
      }
    } catch (err) {
      this.deps.log.error({ err, executionId: execution.id }, 'workflow runner: the first transition failed; started without it');
      ({ live, events, frames } = LiveExecution.start(execution, info, this.now, Math.random));
      wakeAt = now;
    }
    const r = await this.deps.workflows.startExecution({
      execution,
      events,
      frames,
      wakeAt,
      lease: { owner: this.owner, until: now + this.leaseMs },
    });
    if (r.started) {
      const held: Held = { live, queue: Promise.resolve(), timer: null, changes: [], next: null, seenSeq: 0 };
      this.live.set(execution.id, held);
      this.drive(held);
    }
    return { type: 'STANDARD', execution: r.execution, started: r.started };
  }

  runExpress(machine: StateMachine, name: string, input: string): Promise<ExpressResult> {
    return this.express.runSync(machine, name, input);
  }

  async stop(userId: string, executionId: string, error: string | null, cause: string | null): Promise<Execution> {
    const now = this.deps.clock.now();
    const stopped = await this.deps.workflows.stopExecution(userId, executionId, {
      error,
      cause,
      stoppedAt: now,
      event: { type: 'ExecutionAborted', timestamp: now, details: JSON.stringify({ error, cause }) },
    });
    this.forget(executionId);
    return stopped;
  }

  async answer(token: TaskTokenRecord, answer: TaskAnswer): Promise<void> {
    const body: InboxBody = { kind: 'answer', frameId: token.frameId, token: token.token, answer };
    const delivered = await this.deliver(token.executionId, (live) => live.answer(token.frameId, token.token, answer), body);
    if (!delivered) throw workflowErrors.taskTokenNotFound();
  }

  activityStarted(task: ActivityTaskRecord, workerName: string | null): Promise<boolean> {
    const { executionId, frameId, token } = task;
    return this.deliver(executionId, (live) => live.activityStarted(frameId, token, workerName), {
      kind: 'activity-started',
      frameId,
      token,
      workerName,
    });
  }

  async updateMapRun(executionId: string, mapRunId: string, update: MapRunUpdate): Promise<void> {
    // An execution that has ended takes none: nothing to change.
    await this.deliver(executionId, (live) => live.updateMapRun(mapRunId, update), { kind: 'map-run', mapRunId, update });
  }

  /** StopExecution of a Distributed Map's child, wherever its parent runs. False: the parent has ended. */
  stopChild(executionId: string, mapRunId: string, index: number, error: string | null, cause: string | null): Promise<boolean> {
    return this.deliver(executionId, (live) => live.stopChild(mapRunId, index, error, cause), {
      kind: 'stop-child',
      mapRunId,
      index,
      error,
      cause,
    });
  }

  /**
   * Applies a message to an execution this runner holds, or else leaves it in the execution's
   * inbox: held elsewhere (its runner reads the inbox at each poll) or by nobody (due now:
   * whoever claims it applies it, most likely this runner, so it polls at once). False when
   * neither took it (the execution is not RUNNING).
   */
  private async deliver(executionId: string, apply: (live: LiveExecution) => Promise<boolean>, body: InboxBody): Promise<boolean> {
    const held = this.live.get(executionId);
    if (held) {
      let found = false;
      await this.drive(held, async (live) => {
        found = await apply(live);
      });
      if (found) return true;
    }
    if (!(await this.deps.workflows.postMessage(executionId, JSON.stringify(body), this.deps.clock.now()))) return false;
    this.poll();
    return true;
  }

  released(executionId: string): Promise<void> {
    if (!this.live.has(executionId)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(executionId);
      if (list) list.push(resolve);
      else this.waiters.set(executionId, [resolve]);
    });
  }

  private readonly now = (): number => this.deps.clock.now();

  /** Claims due executions and runs them. */
  private poll(): void {
    if (this.closed || this.polling) return;
    this.polling = (async () => {
      try {
        const claimed = await this.deps.workflows.claimExecutions(this.owner, this.deps.clock.now(), this.leaseMs, 32);
        for (const execution of claimed) {
          // Held from before a redrive (stopped elsewhere, redriven, claimed here again): what it
          // holds is stale (its commits are refused); the redriven run is taken up instead.
          const stale = this.live.get(execution.id);
          if (stale && stale.live.execution.redriveCount !== execution.redriveCount) this.forget(execution.id);
          const holding = this.live.get(execution.id);
          // Claimed while the drive that lets it go (a park) is still being stored: the claim is
          // this runner's lease on it now, so take it up once that drive is done, or nobody runs
          // it until the lease lapses.
          if (holding) this.track(holding.queue.then(() => (this.live.has(execution.id) ? undefined : this.takeUp(execution))));
          else await this.takeUp(execution);
        }
        await this.readInboxes();
      } catch (err) {
        this.deps.log.warn({ err }, 'workflow runner: claiming due executions failed; retrying');
      } finally {
        this.polling = null;
      }
    })();
    this.track(this.polling);
  }

  /** Loads a claimed execution and moves it on. */
  private async takeUp(execution: Execution): Promise<void> {
    if (this.closed) return;
    const runtime = await this.deps.workflows.loadRuntime(execution.id);
    const live = await LiveExecution.load(execution, runtime, this.now, Math.random);
    const held: Held = { live, queue: Promise.resolve(), timer: null, changes: [], next: null, seenSeq: 0 };
    this.live.set(execution.id, held);
    this.drive(held, (l) => l.due());
  }

  /**
   * Callbacks answered on another node for an execution held here are left in its inbox: those
   * of the executions that wait on a task token are read at each poll and handed to them.
   */
  private async readInboxes(): Promise<void> {
    for (const [id, held] of this.live) {
      if (!held.live.waitsForCallback() && !held.live.runsMapRun()) continue;
      const messages = (await this.deps.workflows.inbox(id)).filter((m) => m.seq > held.seenSeq);
      if (messages.length === 0) continue;
      held.seenSeq = messages[messages.length - 1].seq;
      this.drive(held, async (live) => {
        for (const m of messages) {
          await live.message(JSON.parse(m.body) as InboxBody);
          live.markConsumed(m.seq);
        }
      });
    }
  }

  private async renew(): Promise<void> {
    const until = this.deps.clock.now() + this.leaseMs;
    for (const [id, held] of this.live) {
      try {
        // Only the hold it renewed: the execution may have ended, been redriven and been claimed
        // here again (another hold) while the store answered.
        if (!(await this.deps.workflows.renewLease(id, this.owner, until))) this.forget(id, held);
      } catch (err) {
        this.deps.log.warn({ err, executionId: id }, 'workflow runner: renewing a lease failed');
      }
    }
  }

  /**
   * Applies `change` (if any), moves the execution on, stores the transition, and then carries
   * out its effects: one drive at a time per execution, in order. Changes that arrive while a
   * drive runs (task results landing during its commit) wait for the next one and are applied
   * together, in their order, under one commit: a Map of 40 tasks in flight otherwise waits
   * for a commit (and its fsync) per result, one after another.
   */
  private drive(held: Held, change?: (live: LiveExecution) => unknown): Promise<void> {
    if (change) held.changes.push(change);
    if (held.next) return held.next;
    const run = held.queue.then(async () => {
      held.next = null;
      const changes = held.changes;
      held.changes = [];
      const id = held.live.execution.id;
      if (this.live.get(id) !== held) return;
      const live = held.live;
      for (const c of changes) await c(live);
      await live.advance();
      const launches = live.takeLaunches();
      const reads = live.takeReads();
      const writes = live.takeWrites();
      const now = this.deps.clock.now();
      const wake = live.wakeAt();
      const park =
        !live.ended &&
        launches.length === 0 &&
        reads.length === 0 &&
        writes.length === 0 &&
        !live.hasTaskInFlight() &&
        (wake === null || wake - now > this.holdMs);
      if (live.dirty || park) {
        let ok: boolean;
        try {
          ok = await this.deps.workflows.commit(id, this.owner, live.takeCommit(park ? null : now + this.leaseMs));
        } catch (err) {
          // Not stored: this runner lets it go; the lease lapses and a runner loads the last commit.
          this.deps.log.warn({ err, executionId: id }, 'workflow runner: a commit failed; the execution will be picked up again');
          this.forget(id, held);
          return;
        }
        if (!ok || live.ended || park) {
          this.forget(id, held);
          return;
        }
      }
      for (const l of launches) this.launch(held, l);
      for (const r of reads) this.read(held, r);
      for (const w of writes) this.write(held, w);
      this.schedule(held, wake);
    });
    held.queue = run.catch((err) => {
      this.deps.log.error({ err, executionId: held.live.execution.id }, 'workflow runner: an execution step failed');
      this.forget(held.live.execution.id, held);
    });
    held.next = held.queue;
    this.track(held.queue);
    return held.queue;
  }

  private launch(held: Held, l: Launch): void {
    const resolve = CHILD.test(l.resource)
      ? (request: TaskRequest) => this.child(held, l, request)
      : this.deps.tasks(held.live.execution.userId);
    const run = resolve({
      resource: l.waitForToken ? l.resource.replace(/\.waitForTaskToken$/, '') : l.resource,
      parameters: l.parameters,
      context: l.context,
      timeoutSeconds: l.timeoutSeconds,
      heartbeatSeconds: l.heartbeatSeconds,
    }).then(
      (result): TaskOutcome => ({ ok: true, result }),
      (e): TaskOutcome => {
        if (e instanceof StatesFailure) return { ok: false, error: e.error, cause: e.cause };
        this.deps.log.error({ err: e, resource: l.resource }, 'workflow runner: a task resolver failed');
        return { ok: false, error: 'States.TaskFailed', cause: (e as Error).message };
      },
    );
    // Not awaited by close(): a task may run for minutes; its result after close is dropped and the
    // execution's next runner runs it again.
    void run.then((outcome) => this.drive(held, (live) => live.taskDone(l.frameId, l.attempt, outcome)));
  }

  private read(held: Held, r: Read): void {
    const reading = this.deps.readItems
      ? this.deps.readItems(held.live.execution.userId, r.request)
      : Promise.reject(new StatesFailure('States.Runtime', 'No reader for a Map ItemReader here'));
    this.effect(held, reading, 'States.ItemReaderFailed', 'reading a Map ItemReader', (live, o) =>
      live.itemsRead(r.frameId, r.attempt, o.ok ? { ok: true, items: o.value } : o),
    );
  }

  private write(held: Held, w: Write): void {
    const writing = this.deps.writeResults
      ? this.deps.writeResults(held.live.execution.userId, w.request)
      : Promise.reject(new StatesFailure('States.Runtime', 'No writer for a Map ResultWriter here'));
    this.effect(held, writing, 'States.ResultWriterFailed', 'writing a Map ResultWriter', (live, o) =>
      live.resultsWritten(w.frameId, w.attempt, o.ok ? { ok: true } : o),
    );
  }

  /** Hands a Map's read or write, once done, to its execution; a failure other than a
   *  StatesFailure is `error`'s, its message the cause. */
  private effect<T>(
    held: Held,
    work: Promise<T>,
    error: string,
    what: string,
    done: (
      live: LiveExecution,
      outcome: { ok: true; value: T } | { ok: false; error: string; cause: string | undefined },
    ) => Promise<boolean>,
  ): void {
    void work
      .then(
        (value) => ({ ok: true as const, value }),
        (e) => {
          if (e instanceof StatesFailure) return { ok: false as const, error: e.error, cause: e.cause };
          this.deps.log.error({ err: e }, `workflow runner: ${what} failed`);
          return { ok: false as const, error, cause: (e as Error).message };
        },
      )
      .then((outcome) => this.drive(held, (live) => done(live, outcome)));
  }

  /** The machine (at the version its ARN's qualifier names, or the one an alias picks) a child
   *  execution runs; null when there is none of the owner's. */
  private async childTarget(
    userId: string,
    name: string,
    qualifier: string | undefined,
  ): Promise<{ machine: StateMachine; origin: StartOrigin } | null> {
    const versions = this.deps.stateMachineVersions;
    if (qualifier !== undefined && !versions) return null;
    const app = { workflows: this.deps.workflows, stateMachineVersions: versions!, routingRandom: this.deps.routingRandom };
    try {
      return await machineForStart(app, userId, name, qualifier === undefined ? { kind: 'latest' } : qualifierOf(qualifier));
    } catch (e) {
      if (e instanceof NotFound) return null;
      throw e;
    }
  }

  /**
   * `arn:aws:states:::states:startExecution` (.sync, .sync:2, .waitForTaskToken): starts an
   * execution of another of the owner's state machines, named after the launch (Parameters.Name
   * or the attempt's id), so that a launch run again after a takeover finds the one it started.
   * With .sync it waits for its end and answers as DescribeExecution (Input and Output as JSON
   * text, or as JSON with .sync:2); a child that did not succeed fails the task (States.TaskFailed).
   * A .sync task keeps its child's id once started: launched again, it waits on that child, and
   * fails when it is gone (core/child-execution.ts) rather than start a second one.
   */
  private async child(held: Held, l: Launch, request: TaskRequest): Promise<Json> {
    const parent = held.live.execution;
    const params = (request.parameters ?? {}) as { StateMachineArn?: Json; Input?: Json; Name?: Json };
    const account = this.deps.accountOf(parent.userId);
    const arn = typeof params.StateMachineArn === 'string' ? STATE_MACHINE_ARN.exec(params.StateMachineArn) : null;
    if (!arn) throw new StatesFailure('StepFunctions.InvalidArnException', `Invalid Arn: '${String(params.StateMachineArn)}'`);
    const name = typeof params.Name === 'string' ? params.Name : l.attempt;
    const childArn = executionArn(this.deps.region, account, arn[2], name);
    const sync = /\.sync(:2)?$/.exec(l.resource);
    const before = childLaunch(l.child, l.child === undefined ? null : await this.deps.workflows.getExecutionById(l.child), childArn);
    if (before.kind === 'gone') throw new StatesFailure(before.error, before.cause);
    const child = before.kind === 'wait' ? before.child : await this.startChild(parent, arn, name, params.Input);
    if ('expressArn' in child) return { ExecutionArn: child.expressArn, StartDate: child.startedAt };
    if (!sync) return { ExecutionArn: childArn, StartDate: child.startedAt };
    if (before.kind === 'start') void this.drive(held, (live) => live.childStarted(l.frameId, l.attempt, child.id));
    return this.childEnd(child, childArn, sync[1] === ':2');
  }

  /** Starts the child execution (or finds the one this launch started before a takeover, when
   *  the task kept no id of it). An EXPRESS child: its ARN. */
  private async startChild(
    parent: Execution,
    arn: RegExpExecArray,
    name: string,
    inputParam: Json | undefined,
  ): Promise<Execution | { expressArn: string; startedAt: number }> {
    const account = this.deps.accountOf(parent.userId);
    const target = arn[1] === account ? await this.childTarget(parent.userId, arn[2], arn[3]) : null;
    if (!target) throw new StatesFailure('StepFunctions.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${arn[0]}'`);
    const { machine, origin } = target;
    const input = inputParam === undefined ? '{}' : typeof inputParam === 'string' ? inputParam : JSON.stringify(inputParam);
    if (machine.type === 'EXPRESS') {
      const started = await this.start(machine, name, input, origin);
      if (started.type !== 'EXPRESS') throw new Error('an EXPRESS machine started otherwise');
      return {
        expressArn: `arn:aws:states:${this.deps.region}:${account}:express:${machine.name}:${name}:${started.expressId}`,
        startedAt: started.startedAt,
      };
    }
    try {
      const started = await this.start(machine, name, input, { ...origin, parentId: parent.id });
      if (started.type !== 'STANDARD') throw new Error('a STANDARD machine started otherwise');
      return started.execution;
    } catch (e) {
      // Started by this launch before a takeover, and ended since.
      const found = e instanceof Conflict ? await this.deps.workflows.findExecution(parent.userId, machine.name, name) : null;
      if (!found || found.parentId !== parent.id) {
        if (e instanceof Conflict)
          throw new StatesFailure('StepFunctions.ExecutionAlreadyExistsException', `Execution Already Exists: '${name}'`);
        throw e;
      }
      return found;
    }
  }

  /** Waits for a .sync child's end: DescribeExecution's answer (Input and Output as JSON with
   *  .sync:2), or States.TaskFailed when it did not succeed. */
  private async childEnd(started: Execution, childArn: string, asJson: boolean): Promise<Json> {
    let child = started;
    for (let delay = 10; child.status === 'RUNNING'; delay = Math.min(delay * 2, 500)) {
      if (this.closed) return new Promise<Json>(() => {});
      await new Promise((r) => setTimeout(r, delay));
      child = (await this.deps.workflows.getExecutionById(child.id)) ?? child;
    }
    const text = (t: string | null): Json => (t === null ? null : asJson ? (JSON.parse(t) as Json) : t);
    const described: JsonObject = {
      ExecutionArn: childArn,
      Input: text(child.input),
      InputDetails: { Included: true },
      Name: child.name,
      StartDate: child.startedAt,
      StateMachineArn: stateMachineArn(this.deps.region, this.deps.accountOf(child.userId), child.stateMachineName),
      Status: child.status,
      StopDate: child.stoppedAt,
    };
    if (child.status === 'SUCCEEDED') return { ...described, Output: text(child.output), OutputDetails: { Included: true } };
    throw new StatesFailure(
      'States.TaskFailed',
      JSON.stringify({
        ...described,
        ...(child.error !== null ? { Error: child.error } : {}),
        ...(child.cause !== null ? { Cause: child.cause } : {}),
      }),
    );
  }

  private schedule(held: Held, wake: number | null): void {
    if (held.timer) clearTimeout(held.timer);
    held.timer = null;
    if (wake === null || this.closed) return;
    held.timer = setTimeout(() => this.drive(held, (live) => live.due()), Math.max(0, wake - this.deps.clock.now()));
    held.timer.unref();
  }

  /** Lets the execution go; `only`: if this is still its hold here. */
  private forget(id: string, only?: Held): void {
    const held = this.live.get(id);
    if (!held || (only !== undefined && held !== only)) return;
    if (held.timer) clearTimeout(held.timer);
    this.live.delete(id);
    const waiting = this.waiters.get(id);
    this.waiters.delete(id);
    for (const resolve of waiting ?? []) resolve();
  }

  private track(p: Promise<unknown>): void {
    this.busy.add(p);
    void p.finally(() => this.busy.delete(p));
  }

  /** Stops claiming; what it holds is left to its lease (another runner goes on from the last commit). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    if (this.renewer) clearInterval(this.renewer);
    for (const id of [...this.live.keys()]) this.forget(id);
    await Promise.allSettled([...this.busy, this.express.close()]);
  }
}

const CHILD = /^arn:aws[a-zA-Z-]*:states:::states:startExecution(\.sync(:2)?|\.waitForTaskToken)?$/;
const STATE_MACHINE_ARN = /^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:(\d{12}):stateMachine:([^:]+)(?::([^:]+))?$/;

interface Held {
  live: LiveExecution;
  queue: Promise<void>;
  timer: NodeJS.Timeout | null;
  /** Changes for the next drive, in order. */
  changes: ((live: LiveExecution) => void)[];
  /** The queued drive that has not begun yet (it takes `changes`). */
  next: Promise<void> | null;
  /** The last inbox message handed to it (callbacks posted on other nodes while it is held here). */
  seenSeq: number;
}
