/**
 * The Workflows port's behaviour, written once: every backend calls describeWorkflows with a
 * factory (as describeHttpApis). The port takes its times as arguments, so every time here is
 * exact: `t` is the ManualClock's, and a test moves along by passing t + n.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type Clock,
  Conflict,
  ErrorCode,
  type Execution,
  type HistoryEventRecord,
  NotFound,
  type StateMachineInput,
} from '../../src/core/index.ts';
import { type ExecutionCommit, type MapRunWrite, type NewExecution, type Workflows, uuidv7 } from '../../src/store/index.ts';
import { mapRunCounts, runningExecution } from '../helpers/workflows.ts';
import { ManualClock } from './store.ts';

export interface WorkflowsUnderTest {
  workflows: Workflows;
  close(): Promise<void>;
}
export type MakeWorkflows = (clock: Clock) => Promise<WorkflowsUnderTest>;

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

const definition = `{
  "StartAt": "Wait",
  "States": { "Wait": { "Type": "Wait", "Seconds": 5, "End": true } }
}`;

function machineInput(name: string, over: Partial<StateMachineInput> = {}): StateMachineInput {
  return { name, type: 'STANDARD', definition, roleArn: 'arn:aws:iam::000000000000:role/sfn', description: '', ...over };
}

/** A step of a commit with nothing in it but what is given. */
function step(over: Partial<ExecutionCommit> = {}): ExecutionCommit {
  return { events: [], putFrames: [], deleteFrames: [], wakeAt: null, leaseUntil: null, ...over };
}

/** A Map Run's redrive fields before any redrive. */
const NEVER_REDRIVEN = { redriveCount: 0, redriveDate: null };

function event(id: number, type: string, timestamp: number, details: string | null = null): HistoryEventRecord {
  return { id, previousEventId: id - 1, type, timestamp, details };
}

export function describeWorkflows(name: string, make: MakeWorkflows): void {
  describe(`Workflows conformance: ${name}`, () => {
    let under: WorkflowsUnderTest;
    let wf: Workflows;
    let t: number;

    beforeEach(async () => {
      const clock = new ManualClock();
      t = clock.now();
      under = await make(clock);
      wf = under.workflows;
    });
    afterEach(async () => {
      await under.close();
    });

    /** A new RUNNING execution of alice's `machine`, due at once, with its first event and root frame. */
    function newExecution(over: Partial<Execution> = {}, rest: Partial<Omit<NewExecution, 'execution'>> = {}): NewExecution {
      const at = over.startedAt ?? t;
      const execution = runningExecution({
        id: uuidv7(at),
        userId: 'alice',
        stateMachineName: 'machine',
        name: `run-${Math.random().toString(36).slice(2)}`,
        input: '{"n":1}',
        definition,
        revisionId: 'rev-1',
        startedAt: at,
        ...over,
      });
      return {
        execution,
        events: [event(1, 'ExecutionStarted', at, JSON.stringify({ input: execution.input }))],
        frames: [{ frameId: 0, doc: '{"state":"Wait"}' }],
        wakeAt: at,
        ...rest,
      };
    }

    async function started(over: Partial<Execution> = {}, rest: Partial<Omit<NewExecution, 'execution'>> = {}): Promise<Execution> {
      const r = await wf.startExecution(newExecution(over, rest));
      assert.equal(r.started, true);
      return r.execution;
    }

    /** Claims everything due at `now` for `owner`, as ids. */
    async function claimIds(owner: string, now: number, limit = 100, leaseMs = 30_000): Promise<string[]> {
      return (await wf.claimExecutions(owner, now, leaseMs, limit)).map((e) => e.id);
    }

    const abort = (stoppedAt: number) => ({
      error: 'Stopped',
      cause: 'by hand',
      stoppedAt,
      event: { type: 'ExecutionAborted', timestamp: stoppedAt, details: '{"error":"Stopped","cause":"by hand"}' },
    });

    describe('state machines', () => {
      it('creates a machine and reads back every field; the same create again is answered with it', async () => {
        const input = machineInput('orders', { description: 'takes orders' });
        const { machine, created } = await wf.createStateMachine('alice', input, 'rev-1', t);
        assert.equal(created, true);
        assert.deepEqual(machine, { userId: 'alice', ...input, revisionId: 'rev-1', createdAt: t, updatedAt: t });
        assert.deepEqual(await wf.getStateMachine('alice', 'orders'), machine);
        const again = await wf.createStateMachine('alice', input, 'rev-2', t + 1000);
        assert.deepEqual(again, { machine, created: false });
      });

      it('refuses a create of a taken name with other settings, and keeps users apart', async () => {
        await wf.createStateMachine('alice', machineInput('orders'), 'rev-1', t);
        for (const other of [
          machineInput('orders', { definition: `${definition} ` }),
          machineInput('orders', { type: 'EXPRESS' }),
          machineInput('orders', { roleArn: 'arn:aws:iam::000000000000:role/other' }),
          machineInput('orders', { description: 'other' }),
        ]) {
          await assert.rejects(wf.createStateMachine('alice', other, 'rev-2', t), is(Conflict, ErrorCode.StateMachineExists));
        }
        const bobs = await wf.createStateMachine('bob', machineInput('orders', { type: 'EXPRESS' }), 'rev-3', t);
        assert.equal(bobs.created, true);
        assert.equal((await wf.getStateMachine('alice', 'orders'))?.type, 'STANDARD');
        assert.equal(await wf.getStateMachine('carol', 'orders'), null);
        assert.equal(await wf.getStateMachine('alice', 'nothing'), null);
      });

      it('of concurrent creates of one name exactly one creates', async () => {
        const differing = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            wf.createStateMachine('alice', machineInput('race', { description: `d${i}` }), `rev-${i}`, t),
          ),
        );
        const won = differing.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const r of differing) if (r.status === 'rejected') assert.ok(is(Conflict, ErrorCode.StateMachineExists)(r.reason));
        assert.deepEqual(await wf.getStateMachine('alice', 'race'), won[0].value.machine);

        const same = await Promise.all(
          Array.from({ length: 6 }, (_, i) => wf.createStateMachine('alice', machineInput('same'), `rev-${i}`, t)),
        );
        assert.equal(same.filter((r) => r.created).length, 1);
        const winner = same.find((r) => r.created)!.machine;
        for (const r of same) assert.deepEqual(r.machine, winner);
      });

      it('updates with a new revision and update time, keeping what the patch leaves out', async () => {
        const { machine } = await wf.createStateMachine('alice', machineInput('orders', { description: 'first' }), 'rev-1', t);
        const updated = await wf.updateStateMachine('alice', 'orders', { definition: `${definition}\n` }, 'rev-2', t + 5000);
        assert.deepEqual(updated, { ...machine, definition: `${definition}\n`, revisionId: 'rev-2', updatedAt: t + 5000 });
        assert.deepEqual(await wf.getStateMachine('alice', 'orders'), updated);
        const again = await wf.updateStateMachine(
          'alice',
          'orders',
          { roleArn: 'arn:aws:iam::000000000000:role/b', description: '' },
          'rev-3',
          t + 6000,
        );
        assert.deepEqual(again, {
          ...updated,
          roleArn: 'arn:aws:iam::000000000000:role/b',
          description: '',
          revisionId: 'rev-3',
          updatedAt: t + 6000,
        });
      });

      it('an update that changes nothing keeps the revision (a revision is a new configuration)', async () => {
        const { machine } = await wf.createStateMachine('alice', machineInput('orders'), 'rev-1', t);
        assert.deepEqual(await wf.updateStateMachine('alice', 'orders', { definition }, 'rev-2', t + 5000), machine);
        assert.deepEqual(await wf.updateStateMachine('alice', 'orders', {}, 'rev-3', t + 5000), machine);
        assert.deepEqual(await wf.getStateMachine('alice', 'orders'), machine);
      });

      it('does not update what is not there, nor another user’s machine', async () => {
        await wf.createStateMachine('alice', machineInput('orders'), 'rev-1', t);
        await assert.rejects(
          wf.updateStateMachine('alice', 'none', { description: 'x' }, 'rev-2', t),
          is(NotFound, ErrorCode.StateMachineNotFound),
        );
        await assert.rejects(
          wf.updateStateMachine('bob', 'orders', { description: 'x' }, 'rev-2', t),
          is(NotFound, ErrorCode.StateMachineNotFound),
        );
        assert.equal((await wf.getStateMachine('alice', 'orders'))?.revisionId, 'rev-1');
      });

      it('lists a user’s machines by name, a page at a time', async () => {
        for (const n of ['charlie', 'alpha', 'Bravo', 'bravo', 'delta']) await wf.createStateMachine('alice', machineInput(n), 'r', t);
        await wf.createStateMachine('bob', machineInput('echo'), 'r', t);
        const names = async (page: { limit: number; after?: string }) => (await wf.listStateMachines('alice', page)).map((m) => m.name);
        // Bytewise: upper case before lower case, on every backend.
        assert.deepEqual(await names({ limit: 2 }), ['Bravo', 'alpha']);
        assert.deepEqual(await names({ limit: 2, after: 'alpha' }), ['bravo', 'charlie']);
        assert.deepEqual(await names({ limit: 2, after: 'charlie' }), ['delta']);
        assert.deepEqual(await names({ limit: 2, after: 'delta' }), []);
        assert.deepEqual(await names({ limit: 10 }), ['Bravo', 'alpha', 'bravo', 'charlie', 'delta']);
        assert.deepEqual(await wf.listStateMachines('carol', { limit: 10 }), []);
      });

      it('deletes a machine once, leaving its executions readable and running', async () => {
        await wf.createStateMachine('alice', machineInput('machine'), 'rev-1', t);
        const e = await started();
        assert.equal(await wf.deleteStateMachine('bob', 'machine'), false);
        assert.equal(await wf.deleteStateMachine('alice', 'machine'), true);
        assert.equal(await wf.deleteStateMachine('alice', 'machine'), false);
        assert.equal(await wf.getStateMachine('alice', 'machine'), null);
        assert.deepEqual(await wf.getExecution('alice', e.id), e);
        assert.deepEqual(await wf.findExecution('alice', 'machine', e.name), e);
        assert.equal((await wf.history('alice', e.id, { limit: 10 })).length, 1);
        assert.deepEqual(await claimIds('runner', t), [e.id]);
        // A machine of the same name again: its executions' names are still taken.
        await wf.createStateMachine('alice', machineInput('machine'), 'rev-2', t);
        await assert.rejects(
          wf.startExecution(newExecution({ name: e.name, input: '{"other":1}' })),
          is(Conflict, ErrorCode.ExecutionExists),
        );
      });
    });

    describe('executions', () => {
      it('starts an execution with its first events and frames, read back by id and by name', async () => {
        const n = newExecution(
          { parentId: 'parent-1' },
          {
            frames: [
              { frameId: 0, doc: '{"root":true}' },
              { frameId: 3, doc: '{}' },
            ],
          },
        );
        const r = await wf.startExecution(n);
        assert.deepEqual(r, { execution: n.execution, started: true });
        assert.deepEqual(await wf.getExecution('alice', n.execution.id), n.execution);
        assert.deepEqual(await wf.getExecutionById(n.execution.id), n.execution);
        assert.deepEqual(await wf.findExecution('alice', 'machine', n.execution.name), n.execution);
        assert.deepEqual(await wf.history('alice', n.execution.id, { limit: 10 }), n.events);
        assert.deepEqual(await wf.loadRuntime(n.execution.id), {
          frames: [
            { frameId: 0, doc: '{"root":true}' },
            { frameId: 3, doc: '{}' },
          ],
          inbox: [],
          lastEventId: 1,
        });
      });

      it('answers a start of a running execution’s name and input with it; anything else of a taken name is a conflict', async () => {
        const first = await started({ name: 'once' });
        const again = await wf.startExecution(newExecution({ name: 'once' }));
        assert.deepEqual(again, { execution: first, started: false });
        await assert.rejects(wf.startExecution(newExecution({ name: 'once', input: '{"n":2}' })), is(Conflict, ErrorCode.ExecutionExists));
        // The same name under another machine, or another user's, is another execution.
        assert.equal((await wf.startExecution(newExecution({ name: 'once', stateMachineName: 'other' }))).started, true);
        assert.equal((await wf.startExecution(newExecution({ name: 'once', userId: 'bob' }))).started, true);
        // Once ended, the name stays taken, even for the same input.
        await wf.stopExecution('alice', first.id, abort(t + 10));
        await assert.rejects(wf.startExecution(newExecution({ name: 'once' })), is(Conflict, ErrorCode.ExecutionExists));
        // Nothing of the refused starts was written.
        assert.equal((await wf.history('alice', first.id, { limit: 10 })).length, 2);
      });

      it('of concurrent starts of one name exactly one starts', async () => {
        const same = await Promise.all(Array.from({ length: 6 }, () => wf.startExecution(newExecution({ name: 'race' }))));
        assert.equal(same.filter((r) => r.started).length, 1);
        const winner = same.find((r) => r.started)!.execution;
        for (const r of same) assert.deepEqual(r.execution, winner);
        const differing = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => wf.startExecution(newExecution({ name: 'race2', input: `{"i":${i}}` }))),
        );
        assert.equal(differing.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of differing) if (r.status === 'rejected') assert.ok(is(Conflict, ErrorCode.ExecutionExists)(r.reason));
        const executions = await wf.listExecutions('alice', { limit: 100 });
        assert.deepEqual(executions.map((e) => e.name).sort(), ['race', 'race2']);
        for (const e of executions) assert.equal((await wf.loadRuntime(e.id)).lastEventId, 1);
      });

      it('shows a user nothing of another user’s executions', async () => {
        const e = await started();
        assert.equal(await wf.getExecution('bob', e.id), null);
        assert.equal(await wf.findExecution('bob', 'machine', e.name), null);
        assert.deepEqual(await wf.listExecutions('bob', { limit: 10 }), []);
        assert.deepEqual(await wf.history('bob', e.id, { limit: 10 }), []);
        await assert.rejects(wf.stopExecution('bob', e.id, abort(t)), is(NotFound, ErrorCode.ExecutionNotFound));
        assert.equal((await wf.getExecution('alice', e.id))?.status, 'RUNNING');
        assert.equal(await wf.getExecution('alice', 'no-such-id'), null);
        assert.equal(await wf.getExecutionById('no-such-id'), null);
        await assert.rejects(wf.stopExecution('alice', 'no-such-id', abort(t)), is(NotFound, ErrorCode.ExecutionNotFound));
      });

      it('lists executions newest first, by machine and status, a page at a time', async () => {
        const a1 = await started({ startedAt: t + 1 });
        const b1 = await started({ startedAt: t + 2, stateMachineName: 'other' });
        const a2 = await started({ startedAt: t + 3 });
        const a3 = await started({ startedAt: t + 4 });
        await started({ startedAt: t + 5, userId: 'bob' });
        await wf.stopExecution('alice', a2.id, abort(t + 10));
        const ids = async (q: Parameters<Workflows['listExecutions']>[1]) => (await wf.listExecutions('alice', q)).map((e) => e.id);
        assert.deepEqual(await ids({ limit: 10 }), [a3.id, a2.id, b1.id, a1.id]);
        assert.deepEqual(await ids({ limit: 2 }), [a3.id, a2.id]);
        assert.deepEqual(await ids({ limit: 2, after: a2.id }), [b1.id, a1.id]);
        assert.deepEqual(await ids({ limit: 2, after: a1.id }), []);
        assert.deepEqual(await ids({ limit: 10, stateMachineName: 'machine' }), [a3.id, a2.id, a1.id]);
        assert.deepEqual(await ids({ limit: 1, stateMachineName: 'machine', after: a3.id }), [a2.id]);
        assert.deepEqual(await ids({ limit: 10, status: 'RUNNING' }), [a3.id, b1.id, a1.id]);
        assert.deepEqual(await ids({ limit: 10, status: 'ABORTED', stateMachineName: 'machine' }), [a2.id]);
        assert.deepEqual(await ids({ limit: 10, status: 'SUCCEEDED' }), []);
        assert.deepEqual(await ids({ limit: 10, stateMachineName: 'nothing' }), []);
      });

      it('pages through a history in both orders', async () => {
        const e = await started({}, { lease: { owner: 'runner', until: t + 60_000 } });
        const more = [2, 3, 4, 5].map((id) => event(id, 'WaitStateEntered', t + id, `{"n":${id}}`));
        assert.equal(await wf.commit(e.id, 'runner', step({ events: more.slice(0, 2), leaseUntil: t + 60_000 })), true);
        assert.equal(await wf.commit(e.id, 'runner', step({ events: more.slice(2), leaseUntil: t + 60_000 })), true);
        const ids = async (q: Parameters<Workflows['history']>[2]) => (await wf.history('alice', e.id, q)).map((ev) => ev.id);
        assert.deepEqual(await ids({ limit: 2 }), [1, 2]);
        assert.deepEqual(await ids({ limit: 2, after: 2 }), [3, 4]);
        assert.deepEqual(await ids({ limit: 2, after: 4 }), [5]);
        assert.deepEqual(await ids({ limit: 2, after: 5 }), []);
        assert.deepEqual(await ids({ limit: 2, reverse: true }), [5, 4]);
        assert.deepEqual(await ids({ limit: 2, reverse: true, after: 4 }), [3, 2]);
        assert.deepEqual(await ids({ limit: 2, reverse: true, after: 2 }), [1]);
        assert.deepEqual(await ids({ limit: 2, reverse: true, after: 1 }), []);
        assert.deepEqual((await wf.history('alice', e.id, { limit: 10 })).slice(1), more);
        assert.deepEqual(await wf.history('alice', 'no-such-id', { limit: 10 }), []);
      });

      it('stops a running execution: aborted, its last event appended, its lease, messages and tokens gone, its frames kept', async () => {
        const e = await started({}, { lease: { owner: 'runner', until: t + 60_000 } });
        assert.equal(
          await wf.commit(
            e.id,
            'runner',
            step({ events: [event(2, 'WaitStateEntered', t + 1)], addTokens: [{ token: 'tok', frameId: 0 }], leaseUntil: t + 60_000 }),
          ),
          true,
        );
        assert.equal(await wf.postMessage(e.id, '{"m":1}', t + 2), true);
        const stopped = await wf.stopExecution('alice', e.id, abort(t + 3));
        assert.deepEqual(stopped, { ...e, status: 'ABORTED', error: 'Stopped', cause: 'by hand', stoppedAt: t + 3 });
        assert.deepEqual(await wf.getExecution('alice', e.id), stopped);
        assert.deepEqual((await wf.history('alice', e.id, { limit: 1, reverse: true }))[0], {
          id: 3,
          previousEventId: 2,
          type: 'ExecutionAborted',
          timestamp: t + 3,
          details: '{"error":"Stopped","cause":"by hand"}',
        });
        // Its frames stay: a redrive restarts from them.
        assert.deepEqual(await wf.loadRuntime(e.id), { frames: [{ frameId: 0, doc: '{"state":"Wait"}' }], inbox: [], lastEventId: 3 });
        assert.equal(await wf.findTaskToken('tok'), null);
        // Its runner can no longer write, nor keep its lease; nobody can claim it.
        assert.equal(
          await wf.commit(e.id, 'runner', step({ events: [event(4, 'WaitStateExited', t + 4)], leaseUntil: t + 60_000 })),
          false,
        );
        assert.equal(await wf.renewLease(e.id, 'runner', t + 90_000), false);
        assert.equal(await wf.postMessage(e.id, '{}', t + 5), false);
        assert.deepEqual(await claimIds('other', t + 100_000), []);
        // A second stop answers it as it is, adding nothing.
        assert.deepEqual(await wf.stopExecution('alice', e.id, abort(t + 6)), stopped);
        assert.equal((await wf.loadRuntime(e.id)).lastEventId, 3);
      });
    });

    describe('the runner', () => {
      it('claims what is due, oldest wake first, up to the limit, and leases it', async () => {
        const late = await started({}, { wakeAt: t + 300 });
        const early = await started({}, { wakeAt: t + 100 });
        const middle = await started({}, { wakeAt: t + 200 });
        const future = await started({}, { wakeAt: t + 10_000 });
        await started({}, { wakeAt: null }); // only a message wakes it
        const ended = await started({}, { wakeAt: t });
        await wf.stopExecution('alice', ended.id, abort(t));
        assert.deepEqual(await claimIds('r1', t + 50), []);
        const got = await wf.claimExecutions('r1', t + 1000, 30_000, 2);
        assert.deepEqual(got, [early, middle]);
        assert.deepEqual(await claimIds('r2', t + 1000), [late.id]);
        assert.deepEqual(await claimIds('r3', t + 1000), []);
        assert.deepEqual(await claimIds('r3', t + 10_000), [future.id]);
        assert.deepEqual(await wf.claimExecutions('r3', t, 30_000, 0), []);
      });

      it('lets another runner claim an execution once its lease has ended, and not before', async () => {
        const e = await started();
        assert.deepEqual(await claimIds('r1', t, 100, 1000), [e.id]);
        assert.deepEqual(await claimIds('r2', t + 500), []);
        assert.deepEqual(await claimIds('r2', t + 1000), []);
        assert.deepEqual(await claimIds('r2', t + 1001, 100, 1000), [e.id]);
        // The first runner's lease is gone with it: it may no longer write or renew.
        assert.equal(await wf.commit(e.id, 'r1', step({ events: [event(2, 'X', t + 1002)] })), false);
        assert.equal(await wf.renewLease(e.id, 'r1', t + 5000), false);
        assert.equal(await wf.commit(e.id, 'r2', step({ events: [event(2, 'X', t + 1002)], wakeAt: t + 5000 })), true);
      });

      it('a runner whose lease lapsed may still commit while nobody else has claimed it', async () => {
        const e = await started();
        await claimIds('r1', t, 100, 1000);
        assert.equal(await wf.commit(e.id, 'r1', step({ events: [event(2, 'X', t + 5000)], leaseUntil: t + 10_000 })), true);
        assert.deepEqual(await claimIds('r2', t + 6000), []);
      });

      it('hands a started execution to its starter’s runner at once', async () => {
        const e = await started({}, { lease: { owner: 'starter', until: t + 1000 } });
        assert.deepEqual(await claimIds('other', t + 500), []);
        assert.equal(
          await wf.commit(e.id, 'starter', step({ events: [event(2, 'X', t + 1)], wakeAt: t + 100, leaseUntil: t + 1000 })),
          true,
        );
        assert.deepEqual(await claimIds('other', t + 1001), [e.id]);
      });

      it('never gives one execution to two concurrent claimers', async () => {
        const all = new Set<string>();
        for (let i = 0; i < 12; i++) all.add((await started({}, { wakeAt: t + i })).id);
        const claims = await Promise.all(Array.from({ length: 4 }, (_, i) => claimIds(`r${i}`, t + 100, 4)));
        const seen = claims.flat();
        assert.equal(new Set(seen).size, seen.length);
        for (const id of seen) assert.ok(all.has(id));
        // Whatever a claimer skipped is still there for the next one.
        const rest = await claimIds('late', t + 100, 100);
        assert.deepEqual(new Set([...seen, ...rest]), all);
      });

      it('commits a transition: events, frames, inbox, tokens, wake time and lease', async () => {
        const e = await started(
          {},
          {
            frames: [
              { frameId: 0, doc: 'root' },
              { frameId: 1, doc: 'one' },
              { frameId: 2, doc: 'two' },
            ],
          },
        );
        await claimIds('r1', t);
        for (const body of ['a', 'b', 'c']) assert.equal(await wf.postMessage(e.id, `"${body}"`, t + 1), true);
        const ok = await wf.commit(
          e.id,
          'r1',
          step({
            events: [event(2, 'TaskScheduled', t + 2, '{"resource":"x"}'), event(3, 'TaskStarted', t + 2)],
            putFrames: [
              { frameId: 0, doc: 'root2' },
              { frameId: 5, doc: 'five' },
            ],
            deleteFrames: [1],
            consumedThrough: 2,
            addTokens: [
              { token: 'tok-a', frameId: 5 },
              { token: 'tok-b', frameId: 2 },
            ],
            wakeAt: t + 500,
            leaseUntil: t + 60_000,
          }),
        );
        assert.equal(ok, true);
        assert.deepEqual(await wf.loadRuntime(e.id), {
          frames: [
            { frameId: 0, doc: 'root2' },
            { frameId: 2, doc: 'two' },
            { frameId: 5, doc: 'five' },
          ],
          inbox: [{ seq: 3, body: '"c"', at: t + 1 }],
          lastEventId: 3,
        });
        // The holder reads what was posted since without loading the frames.
        assert.deepEqual(await wf.inbox(e.id), [{ seq: 3, body: '"c"', at: t + 1 }]);
        assert.deepEqual(await wf.findTaskToken('tok-a'), { token: 'tok-a', executionId: e.id, userId: 'alice', frameId: 5 });
        assert.equal((await wf.history('alice', e.id, { limit: 10 }))[1].details, '{"resource":"x"}');
        // Leased to r1 until t + 60 s: nobody else claims it, though it is due.
        assert.deepEqual(await claimIds('r2', t + 1000), []);
        const next = await wf.commit(
          e.id,
          'r1',
          step({ consumedThrough: 3, removeTokens: ['tok-b'], deleteFrames: [2], wakeAt: t + 90_000, leaseUntil: null }),
        );
        assert.equal(next, true);
        assert.equal(await wf.findTaskToken('tok-b'), null);
        assert.deepEqual(await wf.findTaskToken('tok-a'), { token: 'tok-a', executionId: e.id, userId: 'alice', frameId: 5 });
        assert.deepEqual((await wf.loadRuntime(e.id)).inbox, []);
        // The lease given up: due again at its wake time, for anyone.
        assert.deepEqual(await claimIds('r2', t + 89_999), []);
        assert.deepEqual(await claimIds('r2', t + 90_000), [e.id]);
      });

      it('refuses a commit from a runner that does not hold the lease, writing nothing', async () => {
        const e = await started();
        const c = step({
          events: [event(2, 'X', t + 1)],
          putFrames: [{ frameId: 0, doc: 'changed' }],
          deleteFrames: [0],
          addTokens: [{ token: 'tok', frameId: 0 }],
          consumedThrough: 10,
          end: { status: 'SUCCEEDED', output: '{}', error: null, cause: null, stoppedAt: t + 1 },
        });
        assert.equal(await wf.postMessage(e.id, '{}', t), true);
        const before = await wf.loadRuntime(e.id);
        assert.equal(await wf.commit(e.id, 'r1', c), false);
        await claimIds('r1', t);
        assert.equal(await wf.commit(e.id, 'r2', c), false);
        assert.equal(await wf.commit('no-such-id', 'r1', c), false);
        assert.deepEqual(await wf.loadRuntime(e.id), before);
        assert.equal(await wf.findTaskToken('tok'), null);
        assert.deepEqual(await wf.getExecution('alice', e.id), e);
      });

      it('marks an execution that ends FAILED keeping no frames (framesReleased: never redrivable), not one that keeps some', async () => {
        const bare = await started({}, { frames: [{ frameId: 0, doc: 'root' }] });
        const kept = await started({}, { frames: [{ frameId: 0, doc: 'root' }] });
        await claimIds('r1', t);
        const failure = { status: 'FAILED' as const, output: null, error: 'Boom', cause: null, stoppedAt: t + 2 };
        const events = [event(2, 'ExecutionFailed', t + 2)];
        assert.equal(await wf.commit(bare.id, 'r1', step({ events, end: failure })), true);
        assert.equal(await wf.commit(kept.id, 'r1', step({ events, end: { ...failure, frames: [{ frameId: 0, doc: 'kept' }] } })), true);
        assert.equal((await wf.getExecution('alice', bare.id))?.framesReleased, true);
        assert.equal((await wf.getExecution('alice', kept.id))?.framesReleased, undefined);
      });

      it('ends an execution with its last commit, removing its frames, messages and tokens', async () => {
        const e = await started(
          {},
          {
            frames: [
              { frameId: 0, doc: 'root' },
              { frameId: 1, doc: 'one' },
            ],
          },
        );
        await claimIds('r1', t);
        assert.equal(await wf.commit(e.id, 'r1', step({ addTokens: [{ token: 'tok', frameId: 1 }], leaseUntil: t + 60_000 })), true);
        assert.equal(await wf.postMessage(e.id, '"m"', t + 1), true);
        const end = { status: 'SUCCEEDED' as const, output: '{"done":true}', error: null, cause: null, stoppedAt: t + 2 };
        const events = [event(2, 'WaitStateExited', t + 2), event(3, 'ExecutionSucceeded', t + 2, '{"output":"{\\"done\\":true}"}')];
        assert.equal(await wf.commit(e.id, 'r1', step({ events, wakeAt: t + 5000, leaseUntil: t + 60_000, end })), true);
        const done = { ...e, status: 'SUCCEEDED' as const, output: '{"done":true}', stoppedAt: t + 2 };
        assert.deepEqual(await wf.getExecution('alice', e.id), done);
        assert.deepEqual(await wf.getExecutionById(e.id), done);
        assert.deepEqual(await wf.loadRuntime(e.id), { frames: [], inbox: [], lastEventId: 3 });
        assert.equal(await wf.findTaskToken('tok'), null);
        assert.deepEqual(await claimIds('r2', t + 100_000), []);
        assert.equal(await wf.commit(e.id, 'r1', step({ events: [event(4, 'X', t + 3)] })), false);
        assert.equal(await wf.postMessage(e.id, '"late"', t + 3), false);
        assert.equal(await wf.renewLease(e.id, 'r1', t + 90_000), false);
        // Stopping it now changes nothing.
        assert.deepEqual(await wf.stopExecution('alice', e.id, abort(t + 4)), done);

        const failed = await started();
        await claimIds('r1', t);
        const failure = { status: 'FAILED' as const, output: null, error: 'States.TaskFailed', cause: 'boom', stoppedAt: t + 7 };
        // A failure keeps the frames it names for a redrive, in place of the execution's.
        const kept = [{ frameId: 0, doc: 'kept' }];
        assert.equal(
          await wf.commit(failed.id, 'r1', step({ events: [event(2, 'ExecutionFailed', t + 7)], end: { ...failure, frames: kept } })),
          true,
        );
        assert.deepEqual(await wf.getExecution('alice', failed.id), { ...failed, ...failure });
        assert.deepEqual((await wf.loadRuntime(failed.id)).frames, kept);
      });

      it('redrives an ended execution once per decision: RUNNING and due again, its frames replaced, its Map Runs running', async () => {
        const e = await started();
        await claimIds('r1', t);
        const failure = { status: 'FAILED' as const, output: null, error: 'E', cause: 'c', stoppedAt: t + 7 };
        const run = {
          id: 'run-1',
          arn: 'arn:run-1',
          stateMachineArn: 'arn:sm/Map',
          status: 'FAILED' as const,
          startedAt: t + 1,
          stoppedAt: t + 7,
          maxConcurrency: 0,
          toleratedFailureCount: 0,
          toleratedFailurePercentage: 0,
          counts: {
            pending: 0,
            running: 0,
            succeeded: 1,
            failed: 1,
            timedOut: 0,
            aborted: 0,
            total: 2,
            resultsWritten: 0,
            failuresNotRedrivable: 0,
            pendingRedrive: 0,
          },
        };
        const ended = step({
          events: [event(2, 'ExecutionFailed', t + 7)],
          end: { ...failure, frames: [{ frameId: 0, doc: 'old' }] },
          mapRuns: [run],
        });
        assert.equal(await wf.commit(e.id, 'r1', ended), true);
        const redrive = {
          expect: { status: 'FAILED' as const, redriveCount: 0 },
          events: [event(3, 'ExecutionRedriven', t + 10, '{"redriveCount":1}')],
          frames: [
            { frameId: 0, doc: 'new' },
            { frameId: 1, doc: 'root' },
          ],
          mapRunIds: ['run-1'],
          now: t + 10,
          tokens: [{ token: 'tok-1', date: t + 10 }],
        };
        // Not another user's; not one that is not as expected.
        assert.equal(await wf.redriveExecution('bob', e.id, redrive), null);
        assert.equal(await wf.redriveExecution('alice', e.id, { ...redrive, expect: { status: 'ABORTED', redriveCount: 0 } }), null);
        const r = await wf.redriveExecution('alice', e.id, redrive);
        const running = { ...e, redriveCount: 1, redriveDate: t + 10, redriveTokens: [{ token: 'tok-1', date: t + 10 }] };
        assert.deepEqual(r, running);
        assert.deepEqual(await wf.getExecution('alice', e.id), running);
        assert.deepEqual(await wf.loadRuntime(e.id), { frames: redrive.frames, inbox: [], lastEventId: 3 });
        assert.deepEqual(
          (await wf.history('alice', e.id, { limit: 1, reverse: true }))[0],
          event(3, 'ExecutionRedriven', t + 10, '{"redriveCount":1}'),
        );
        const m = await wf.getMapRun('alice', 'run-1');
        assert.deepEqual([m?.status, m?.stoppedAt, m?.redriveCount, m?.redriveDate], ['RUNNING', null, 1, t + 10]);
        // The same decision again (another redrive raced it) writes nothing.
        assert.equal(await wf.redriveExecution('alice', e.id, redrive), null);
        // Due now, held by nobody: any runner claims it.
        assert.deepEqual(await claimIds('r2', t + 10), [e.id]);
        // A commit of the run before the redrive is refused, one of the redriven run stored.
        const moved = step({ events: [event(4, 'WaitStateEntered', t + 11)], leaseUntil: t + 60_000 });
        assert.equal(await wf.commit(e.id, 'r2', { ...moved, redriveCount: 0 }), false);
        assert.equal(await wf.commit(e.id, 'r2', { ...moved, redriveCount: 1 }), true);
        // The redrive filter of a list.
        const other = await started();
        const ids = async (redriven: boolean) => (await wf.listExecutions('alice', { redriven, limit: 100 })).map((x) => x.id);
        assert.ok((await ids(true)).includes(e.id) && !(await ids(true)).includes(other.id));
        assert.ok((await ids(false)).includes(other.id) && !(await ids(false)).includes(e.id));
      });

      it('a message makes its execution due at once, numbered in order, never renumbered', async () => {
        const e = await started({}, { wakeAt: null });
        assert.deepEqual(await claimIds('r1', t + 100_000), []);
        assert.equal(await wf.postMessage(e.id, '"one"', t + 10), true);
        assert.deepEqual(await claimIds('r1', t + 10, 100, 1000), [e.id]);
        assert.equal(await wf.commit(e.id, 'r1', step({ consumedThrough: 1, wakeAt: t + 50_000, leaseUntil: null })), true);
        assert.deepEqual(await claimIds('r2', t + 20), []);
        // A wake time later than the message's is brought forward to it; an earlier one stays.
        assert.equal(await wf.postMessage(e.id, '"two"', t + 20), true);
        assert.deepEqual(await claimIds('r2', t + 20, 100, 1000), [e.id]);
        assert.equal(await wf.commit(e.id, 'r2', step({ wakeAt: t + 30, leaseUntil: null })), true);
        assert.equal(await wf.postMessage(e.id, '"three"', t + 40), true);
        assert.deepEqual(
          (await wf.claimExecutions('r3', t + 40, 1000, 10)).map((x) => x.id),
          [e.id],
        );
        assert.deepEqual((await wf.loadRuntime(e.id)).inbox, [
          { seq: 2, body: '"two"', at: t + 20 },
          { seq: 3, body: '"three"', at: t + 40 },
        ]);
        assert.equal(await wf.commit(e.id, 'r3', step({ consumedThrough: 3, leaseUntil: null })), true);
        assert.equal(await wf.postMessage(e.id, '"four"', t + 50), true);
        assert.deepEqual((await wf.loadRuntime(e.id)).inbox, [{ seq: 4, body: '"four"', at: t + 50 }]);
        assert.equal(await wf.postMessage('no-such-id', '{}', t), false);
      });

      it('a message posted while its runner works is not slept through', async () => {
        const e = await started();
        await claimIds('r1', t, 100, 1000);
        const seen = await wf.loadRuntime(e.id);
        assert.deepEqual(seen.inbox, []);
        assert.equal(await wf.postMessage(e.id, '"callback"', t + 5), true);
        // The runner commits what it decided before the message: wait for ever, lease given up.
        assert.equal(await wf.commit(e.id, 'r1', step({ events: [event(2, 'TaskStarted', t + 6)], wakeAt: null, leaseUntil: null })), true);
        assert.deepEqual(await claimIds('r2', t + 6), [e.id]);
        assert.deepEqual((await wf.loadRuntime(e.id)).inbox, [{ seq: 1, body: '"callback"', at: t + 5 }]);
      });

      it('a message posted as its runner commits is never slept through', async () => {
        for (let i = 0; i < 8; i++) {
          const e = await started();
          await claimIds('r1', t);
          const [posted, committed] = await Promise.all([
            wf.postMessage(e.id, `"m${i}"`, t + 1),
            wf.commit(e.id, 'r1', step({ events: [event(2, 'TaskStarted', t + 1)], consumedThrough: 0, wakeAt: null, leaseUntil: null })),
          ]);
          assert.deepEqual([posted, committed], [true, true]);
          assert.deepEqual(await claimIds('r2', t + 1), [e.id]);
        }
      });

      it('a stop and a commit racing leave one consistent history', async () => {
        for (let i = 0; i < 8; i++) {
          const e = await started();
          await claimIds('r1', t);
          const [stopped, committed] = await Promise.all([
            wf.stopExecution('alice', e.id, abort(t + 2)),
            wf.commit(e.id, 'r1', step({ events: [event(2, 'WaitStateExited', t + 1)], wakeAt: t + 5, leaseUntil: t + 1000 })),
          ]);
          assert.equal(stopped.status, 'ABORTED');
          const history = await wf.history('alice', e.id, { limit: 10 });
          const types = history.map((ev) => ev.type);
          assert.deepEqual(
            types,
            committed ? ['ExecutionStarted', 'WaitStateExited', 'ExecutionAborted'] : ['ExecutionStarted', 'ExecutionAborted'],
          );
          assert.deepEqual(
            history.map((ev) => [ev.id, ev.previousEventId]),
            history.map((_, j) => [j + 1, j]),
          );
          // Its frames stay for a redrive (the stop's, or those of the commit that came first).
          const runtime = await wf.loadRuntime(e.id);
          assert.deepEqual([runtime.inbox, runtime.lastEventId], [[], history.length]);
        }
      });

      it('numbers concurrent messages without a gap or a collision', async () => {
        const e = await started({}, { wakeAt: null });
        const posted = await Promise.all(Array.from({ length: 10 }, (_, i) => wf.postMessage(e.id, `${i}`, t + i)));
        assert.deepEqual(posted, Array(10).fill(true));
        const inbox = (await wf.loadRuntime(e.id)).inbox;
        assert.deepEqual(
          inbox.map((m) => m.seq),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        assert.deepEqual(inbox.map((m) => m.body).sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        assert.deepEqual(await claimIds('r1', t), [e.id]);
      });

      it('finds a task token’s waiting task, whoever’s, until it is withdrawn', async () => {
        const e = await started({ userId: 'bob' });
        await claimIds('r1', t);
        assert.equal(await wf.commit(e.id, 'r1', step({ addTokens: [{ token: 'tok-1', frameId: 4 }], leaseUntil: t + 1000 })), true);
        assert.deepEqual(await wf.findTaskToken('tok-1'), { token: 'tok-1', executionId: e.id, userId: 'bob', frameId: 4 });
        assert.equal(await wf.findTaskToken('tok-2'), null);
        assert.equal(await wf.commit(e.id, 'r1', step({ removeTokens: ['tok-1'], leaseUntil: t + 1000 })), true);
        assert.equal(await wf.findTaskToken('tok-1'), null);
      });

      it('renews a lease only for its owner while the execution runs', async () => {
        const e = await started();
        await claimIds('r1', t, 100, 1000);
        assert.equal(await wf.renewLease(e.id, 'r2', t + 5000), false);
        assert.equal(await wf.renewLease(e.id, 'r1', t + 5000), true);
        assert.deepEqual(await claimIds('r2', t + 2000), []);
        assert.deepEqual(await claimIds('r2', t + 5001), [e.id]);
        assert.equal(await wf.renewLease('no-such-id', 'r1', t + 5000), false);
      });

      it('loads the runtime of any user’s execution, and an empty one of none', async () => {
        const e = await started({ userId: 'bob' });
        assert.deepEqual(await wf.loadRuntime(e.id), { frames: [{ frameId: 0, doc: '{"state":"Wait"}' }], inbox: [], lastEventId: 1 });
        assert.deepEqual(await wf.loadRuntime('no-such-id'), { frames: [], inbox: [], lastEventId: 0 });
      });
    });

    describe('retention', () => {
      const mapRun = (id: string, stoppedAt: number): MapRunWrite => ({
        id,
        arn: `arn:aws:states:us-east-1:000000000000:mapRun:machine/Each:${id}`,
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:machine/Each',
        status: 'SUCCEEDED',
        startedAt: t + 1,
        stoppedAt,
        maxConcurrency: 0,
        toleratedFailureCount: 0,
        toleratedFailurePercentage: 0,
        counts: mapRunCounts({ succeeded: 1, total: 1 }),
      });

      /** A started execution of `over`'s user ended by its runner at `stoppedAt`: SUCCEEDED with a
       *  Map Run, or FAILED keeping a frame for a redrive. */
      async function ended(status: 'SUCCEEDED' | 'FAILED', stoppedAt: number, over: Partial<Execution> = {}): Promise<Execution> {
        const e = await started(over, { lease: { owner: 'r1', until: t + 60_000 } });
        const events = [
          event(2, 'MapRunStarted', t + 1),
          event(3, status === 'SUCCEEDED' ? 'ExecutionSucceeded' : 'ExecutionFailed', stoppedAt),
        ];
        const end =
          status === 'SUCCEEDED'
            ? { status, output: '1', error: null, cause: null, stoppedAt }
            : { status, output: null, error: 'E', cause: 'c', stoppedAt, frames: [{ frameId: 0, doc: 'kept' }] };
        const mapRuns = status === 'SUCCEEDED' ? [mapRun(e.id.replace(/^.{8}/, 'abcdef01'), stoppedAt)] : [];
        assert.equal(await wf.commit(e.id, 'r1', step({ events, mapRuns, end })), true);
        return e;
      }

      /** Whether anything of the execution is left. */
      async function remains(e: Execution): Promise<boolean> {
        const runtime = await wf.loadRuntime(e.id);
        const left = [
          ...((await wf.getExecutionById(e.id)) ? [e] : []),
          ...(await wf.history(e.userId, e.id, { limit: 10 })),
          ...(await wf.listMapRuns(e.userId, e.id, { limit: 10 })),
          ...runtime.frames,
          ...runtime.inbox,
        ];
        return left.length > 0 || runtime.lastEventId > 0;
      }

      it('purges closed executions stopped before the cutoff with everything of theirs, oldest first, a batch at a time; never a running one', async () => {
        const succeeded = await ended('SUCCEEDED', t + 10);
        const failed = await ended('FAILED', t + 20, { userId: 'bob' });
        const aborted = await started();
        await wf.stopExecution('alice', aborted.id, abort(t + 30));
        const newer = await ended('FAILED', t + 1000);
        // Running since long before the cutoff, waiting on a token with a message in its inbox.
        const running = await started({}, { lease: { owner: 'r1', until: t + 60_000 } });
        assert.equal(
          await wf.commit(running.id, 'r1', step({ addTokens: [{ token: 'tok-r', frameId: 0 }], leaseUntil: t + 60_000 })),
          true,
        );
        assert.equal(await wf.postMessage(running.id, '"hello"', t + 2), true);
        const mapRunId = (await wf.listMapRuns('alice', succeeded.id, { limit: 10 }))[0].id;

        // Oldest stop first, any user's, `limit` at a time.
        assert.deepEqual((await wf.purgeExecutions(t + 500, 2)).sort(), [succeeded.id, failed.id].sort());
        assert.deepEqual(await wf.purgeExecutions(t + 500, 2), [aborted.id]);
        assert.deepEqual(await wf.purgeExecutions(t + 500, 2), []);
        for (const gone of [succeeded, failed, aborted]) assert.equal(await remains(gone), false, `${gone.id} is gone`);
        assert.equal(await wf.getMapRun('alice', mapRunId), null);
        assert.deepEqual(await wf.mapRunsByIdPrefix('alice', mapRunId.slice(0, 8)), []);
        // The running one is untouched, whatever its age, and goes on.
        assert.deepEqual(await wf.getExecution('alice', running.id), running);
        assert.deepEqual(await wf.findTaskToken('tok-r'), { token: 'tok-r', executionId: running.id, userId: 'alice', frameId: 0 });
        assert.deepEqual(
          (await wf.inbox(running.id)).map((m) => m.body),
          ['"hello"'],
        );
        assert.equal(
          await wf.commit(running.id, 'r1', step({ events: [event(2, 'TaskSucceeded', t + 600)], leaseUntil: t + 60_000 })),
          true,
        );
        assert.equal(await wf.purgeExecutions(t + 1_000_000, 10).then((ids) => ids.includes(running.id)), false);
        // Stopped later than the first cutoff: kept until a later one.
        assert.equal(await remains(newer), false, 'the last purge took it');
        // A name purged may be taken again (AWS keeps one 90 days).
        const again = await wf.startExecution(newExecution({ name: succeeded.name }));
        assert.equal(again.started, true);
      });

      it('keeps an execution stopped at or after the cutoff', async () => {
        const e = await ended('SUCCEEDED', t + 500);
        assert.deepEqual(await wf.purgeExecutions(t + 500, 10), []);
        assert.equal(await remains(e), true);
        assert.deepEqual(await wf.purgeExecutions(t + 501, 10), [e.id]);
      });

      it('releases the frames kept for a redrive once per execution stopped before the cutoff; the execution and its history stay', async () => {
        const failed = await ended('FAILED', t + 10);
        const aborted = await started({ userId: 'bob' });
        await wf.stopExecution('bob', aborted.id, abort(t + 20));
        const succeeded = await ended('SUCCEEDED', t + 5);
        const newer = await ended('FAILED', t + 1000);
        const running = await started({}, { wakeAt: null });
        const frames = async (e: Execution) => (await wf.loadRuntime(e.id)).frames;
        assert.deepEqual(await frames(aborted), [{ frameId: 0, doc: '{"state":"Wait"}' }]);

        assert.equal(await wf.releaseFrames(t + 500, 1), 1);
        assert.equal(await wf.releaseFrames(t + 500, 1), 1);
        assert.equal(await wf.releaseFrames(t + 500, 10), 0, 'each is visited once');
        assert.deepEqual(await frames(failed), []);
        assert.deepEqual(await frames(aborted), []);
        const failedNow = await wf.getExecution('alice', failed.id);
        assert.deepEqual([failedNow?.status, failedNow?.stoppedAt], ['FAILED', t + 10]);
        assert.equal((await wf.history('bob', aborted.id, { limit: 10 })).length, 2);
        assert.equal(await remains(succeeded), true);
        assert.deepEqual(await frames(newer), [{ frameId: 0, doc: 'kept' }]);
        assert.deepEqual(await frames(running), [{ frameId: 0, doc: '{"state":"Wait"}' }]);

        // A redriven execution that stops again keeps its new frames until its new window closes.
        const redrive = {
          expect: { status: 'FAILED' as const, redriveCount: 0 },
          events: [event(4, 'ExecutionRedriven', t + 1100, '{"redriveCount":1}')],
          frames: [{ frameId: 0, doc: 'again' }],
          mapRunIds: [],
          now: t + 1100,
          tokens: [],
        };
        assert.ok(await wf.redriveExecution('alice', newer.id, redrive));
        assert.equal(await wf.releaseFrames(t + 5000, 10), 0, 'not while it runs');
        assert.deepEqual(await claimIds('r2', t + 1100), [newer.id]);
        const end = {
          status: 'FAILED' as const,
          output: null,
          error: 'E',
          cause: 'c',
          stoppedAt: t + 1200,
          frames: [{ frameId: 0, doc: 'again' }],
        };
        const failedAgain = step({ events: [event(5, 'ExecutionFailed', t + 1200)], end, redriveCount: 1 });
        assert.equal(await wf.commit(newer.id, 'r2', failedAgain), true);
        assert.equal(await wf.releaseFrames(t + 1200, 10), 0);
        assert.equal(await wf.releaseFrames(t + 1201, 10), 1);
        assert.deepEqual(await frames(newer), []);
      });
    });

    describe('map runs', () => {
      const counts = (over: Partial<MapRunWrite['counts']> = {}): MapRunWrite['counts'] => ({
        pending: 3,
        running: 0,
        succeeded: 0,
        failed: 0,
        timedOut: 0,
        aborted: 0,
        total: 3,
        resultsWritten: 0,
        failuresNotRedrivable: 0,
        pendingRedrive: 0,
        ...over,
      });
      const run = (id: string, over: Partial<MapRunWrite> = {}): MapRunWrite => ({
        id,
        arn: `arn:aws:states:us-east-1:000000000000:mapRun:machine/Each:${id}`,
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:machine/Each',
        status: 'RUNNING',
        startedAt: t + 1,
        stoppedAt: null,
        maxConcurrency: 2,
        toleratedFailureCount: 1,
        toleratedFailurePercentage: 12.5,
        counts: counts(),
        ...over,
      });

      it('a commit creates a Map Run and later ones move its status and counts on, never its configuration', async () => {
        const e = await started({ userId: 'bob' });
        await claimIds('r1', t);
        const id = '0a6c1e0e-1111-4111-8111-000000000001';
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [run(id)], leaseUntil: t + 1000 })), true);
        assert.deepEqual(await wf.getMapRun('bob', id), { ...run(id), executionId: e.id, userId: 'bob', ...NEVER_REDRIVEN });
        assert.equal(await wf.getMapRun('alice', id), null, "another user's is not found");
        const moved = run(id, { maxConcurrency: 9, toleratedFailureCount: 9, counts: counts({ pending: 1, running: 2 }) });
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [moved], leaseUntil: t + 1000 })), true);
        assert.deepEqual(await wf.getMapRun('bob', id), {
          ...run(id),
          counts: moved.counts,
          executionId: e.id,
          userId: 'bob',
          ...NEVER_REDRIVEN,
        });
        // Written with the execution's end too.
        const done = run(id, { status: 'SUCCEEDED', stoppedAt: t + 9, counts: counts({ pending: 0, succeeded: 3, resultsWritten: 3 }) });
        const end = { status: 'SUCCEEDED' as const, output: '1', error: null, cause: null, stoppedAt: t + 9 };
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [done], end })), true);
        const after = await wf.getMapRun('bob', id);
        assert.deepEqual([after?.status, after?.stoppedAt, after?.counts], ['SUCCEEDED', t + 9, done.counts]);
        // A commit that is refused writes no Map Run.
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [run('0a6c1e0e-1111-4111-8111-000000000002')] })), false);
        assert.equal(await wf.getMapRun('bob', '0a6c1e0e-1111-4111-8111-000000000002'), null);
      });

      it("lists an execution's Map Runs by id, a page at a time, and none of another user's", async () => {
        const e = await started();
        const other = await started();
        await claimIds('r1', t);
        const ids = [
          'b0000000-0000-4000-8000-000000000003',
          'a0000000-0000-4000-8000-000000000001',
          'c0000000-0000-4000-8000-000000000002',
        ];
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: ids.map((id) => run(id)), leaseUntil: t + 1000 })), true);
        assert.equal(
          await wf.commit(other.id, 'r1', step({ mapRuns: [run('d0000000-0000-4000-8000-000000000004')], leaseUntil: t + 1000 })),
          true,
        );
        const sorted = [...ids].sort();
        assert.deepEqual(
          (await wf.listMapRuns('alice', e.id, { limit: 10 })).map((m) => m.id),
          sorted,
        );
        const first = await wf.listMapRuns('alice', e.id, { limit: 2 });
        assert.deepEqual(
          first.map((m) => m.id),
          sorted.slice(0, 2),
        );
        assert.deepEqual(
          (await wf.listMapRuns('alice', e.id, { limit: 2, after: first[1].id })).map((m) => m.id),
          sorted.slice(2),
        );
        assert.deepEqual(await wf.listMapRuns('bob', e.id, { limit: 10 }), []);
      });

      it("finds a user's Map Runs by the prefix of their id (a child execution's name holds it), none of another user's", async () => {
        const e = await started();
        await claimIds('r1', t);
        const ids = [
          'f1000000-0000-4000-8000-000000000001',
          'f1000000-0000-4000-8000-000000000002',
          'f1000000-0000-4000-9000-000000000003',
        ];
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: ids.map((id) => run(id)), leaseUntil: t + 1000 })), true);
        const found = async (user: string, prefix: string) => (await wf.mapRunsByIdPrefix(user, prefix)).map((m) => m.id);
        assert.deepEqual(await found('alice', 'f1000000-0000-4000-8000'), ids.slice(0, 2));
        assert.deepEqual(await found('alice', 'f1000000-0000-4000-9000'), ids.slice(2));
        assert.deepEqual((await wf.mapRunsByIdPrefix('alice', 'f1000000-0000-4000-8000'))[0], {
          ...run(ids[0]),
          executionId: e.id,
          userId: 'alice',
          ...NEVER_REDRIVEN,
        });
        assert.deepEqual(await found('alice', 'f1000000-0000-4000-7000'), []);
        assert.deepEqual(await found('bob', 'f1000000-0000-4000-8000'), []);
      });

      it("reads a history's events of some types only, oldest first, a page at a time, for its user", async () => {
        const e = await started({}, { lease: { owner: 'runner', until: t + 60_000 } });
        const types = ['MapRunStarted', 'PassStateEntered', 'MapIterationStarted', 'PassStateExited', 'MapIterationSucceeded'];
        const more = types.map((type, i) => event(i + 2, type, t + i + 2, `{"n":${i + 2}}`));
        assert.equal(await wf.commit(e.id, 'runner', step({ events: more, leaseUntil: t + 60_000 })), true);
        const wanted = ['MapRunStarted', 'MapIterationStarted', 'MapIterationSucceeded'];
        const ids = async (user: string, page: { limit: number; after: number }) =>
          (await wf.historyOfTypes(user, e.id, wanted, page)).map((ev) => ev.id);
        assert.deepEqual(await ids('alice', { limit: 10, after: 0 }), [2, 4, 6]);
        assert.deepEqual(await ids('alice', { limit: 2, after: 0 }), [2, 4]);
        assert.deepEqual(await ids('alice', { limit: 2, after: 4 }), [6]);
        assert.deepEqual((await wf.historyOfTypes('alice', e.id, wanted, { limit: 1, after: 0 }))[0], more[0]);
        assert.deepEqual(await ids('bob', { limit: 10, after: 0 }), []);
      });

      it('updates the configuration of a running Map Run only, only the fields given, only for its user', async () => {
        const e = await started();
        await claimIds('r1', t);
        const id = 'e0000000-0000-4000-8000-000000000001';
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [run(id)], leaseUntil: t + 1000 })), true);
        const u = await wf.updateMapRun('alice', id, { maxConcurrency: 5 });
        assert.deepEqual([u?.maxConcurrency, u?.toleratedFailureCount, u?.toleratedFailurePercentage], [5, 1, 12.5]);
        const v = await wf.updateMapRun('alice', id, { toleratedFailureCount: 0, toleratedFailurePercentage: 50 });
        assert.deepEqual([v?.maxConcurrency, v?.toleratedFailureCount, v?.toleratedFailurePercentage], [5, 0, 50]);
        assert.equal(await wf.updateMapRun('bob', id, { maxConcurrency: 1 }), null);
        assert.equal(await wf.updateMapRun('alice', 'no-such-run', { maxConcurrency: 1 }), null);
        const ended = run(id, { status: 'FAILED', stoppedAt: t + 5 });
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns: [ended], leaseUntil: t + 1000 })), true);
        const w = await wf.updateMapRun('alice', id, { maxConcurrency: 1 });
        assert.deepEqual([w?.status, w?.maxConcurrency], ['FAILED', 5], 'an ended run is answered unchanged');
      });

      it('a stop aborts the running Map Runs, with MapRunAborted events before ExecutionAborted', async () => {
        const e = await started();
        await claimIds('r1', t);
        const runningId = 'f0000000-0000-4000-8000-000000000001';
        const doneId = 'f0000000-0000-4000-8000-000000000002';
        const done = run(doneId, { status: 'SUCCEEDED', stoppedAt: t + 2, counts: counts({ pending: 0, succeeded: 3 }) });
        const mapRuns = [run(runningId, { counts: counts({ pending: 1, running: 2 }) }), done];
        assert.equal(await wf.commit(e.id, 'r1', step({ mapRuns, leaseUntil: t + 1000 })), true);
        await wf.stopExecution('alice', e.id, abort(t + 50));
        const aborted = await wf.getMapRun('alice', runningId);
        assert.deepEqual([aborted?.status, aborted?.stoppedAt], ['ABORTED', t + 50]);
        assert.deepEqual(aborted?.counts, counts({ pending: 1, running: 0, aborted: 2 }));
        assert.equal((await wf.getMapRun('alice', doneId))?.status, 'SUCCEEDED');
        const history = await wf.history('alice', e.id, { limit: 10 });
        assert.deepEqual(
          history.map((h) => [h.id, h.previousEventId, h.type]),
          [
            [1, 0, 'ExecutionStarted'],
            [2, 1, 'MapRunAborted'],
            [3, 2, 'ExecutionAborted'],
          ],
        );
      });
    });
  });
}
