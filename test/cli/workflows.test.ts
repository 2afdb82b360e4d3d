/**
 * `hangar workflow ...`: real `hangar` processes against a real platform (in this process,
 * port 0), checked against the API. Executions the reading commands show are written into the
 * real store as a runner writes them (helpers/workflows.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { seedExecution } from '../helpers/workflows.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');

let p: TestPlatform;
let alice: string;
let dir: string;
const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 1, End: true } } }, null, 2);

before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' }, { api: true, workers: false });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  dir = mkdtempSync(join(tmpdir(), 'hangar-wf-cli-'));
  writeFileSync(join(dir, 'pass.asl.json'), definition);
  writeFileSync(join(dir, 'broken.asl.json'), JSON.stringify({ StartAt: 'Nowhere', States: {} }));
});
after(async () => {
  await p.close();
  rmSync(dir, { recursive: true, force: true });
});

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: alice }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('hangar workflow', () => {
  test('create, list, get, update, rm', async () => {
    const made = await hangar('workflow', 'create', 'flow', join(dir, 'pass.asl.json'), '--description', 'a pass');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^flow: created \(STANDARD, revision /);
    const got = (await p.inject({ method: 'GET', url: '/state-machines/flow', auth: alice })).json();
    assert.equal(got.definition, definition, 'the file as it is');
    assert.equal(got.description, 'a pass');

    const express = await hangar('workflow', 'create', 'quick', join(dir, 'pass.asl.json'), '--type', 'express', '--json');
    assert.equal(express.code, 0, express.stderr);
    assert.equal(JSON.parse(express.stdout).type, 'EXPRESS');

    const list = await hangar('workflow', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^STATE MACHINE\s+TYPE/);
    assert.match(list.stdout, /\nflow\s+STANDARD/);
    assert.match(list.stdout, /\nquick\s+EXPRESS/);

    const shown = await hangar('workflow', 'get', 'flow');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /state machine\s+flow/);
    assert.ok(shown.stdout.includes(definition));

    const updated = await hangar('workflow', 'update', 'flow', '--description', 'changed');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^flow: updated/);
    assert.equal((await p.inject({ method: 'GET', url: '/state-machines/flow', auth: alice })).json().description, 'changed');

    const removed = await hangar('workflow', 'rm', 'quick');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await p.inject({ method: 'GET', url: '/state-machines/quick', auth: alice })).statusCode, 404);
  });

  test('refusals: an invalid definition says where, a missing machine exits 1, bad flags exit 2', async () => {
    const bad = await hangar('workflow', 'create', 'broken', join(dir, 'broken.asl.json'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid State Machine Definition/);
    assert.match(bad.stderr, /STATE_MACHINE_DEFINITION_INVALID/);
    const missing = await hangar('workflow', 'get', 'nothing');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /STATE_MACHINE_NOT_FOUND/);
    assert.equal((await hangar('workflow', 'create', 'x', join(dir, 'pass.asl.json'), '--type', 'fast')).code, 2);
    assert.equal((await hangar('workflow', 'start', 'flow', '--input', '{nope')).code, 2);
  });

  test('describe, executions and history of an execution', async () => {
    await hangar('workflow', 'create', 'seen', join(dir, 'pass.asl.json'));
    const e = await seedExecution(p, {
      userId: 'alice',
      machine: 'seen',
      name: 'first',
      input: '{"n":1}',
      events: [
        ['PassStateEntered', { name: 'P', input: { n: 1 } }],
        ['PassStateExited', { name: 'P', output: 1 }],
      ],
      end: { status: 'SUCCEEDED', output: '1' },
    });
    const described = await hangar('workflow', 'describe', e.id);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /status\s+SUCCEEDED/);
    assert.match(described.stdout, /input\s+\{"n":1\}/);
    assert.match(described.stdout, /output\s+1/);

    const listed = await hangar('workflow', 'executions', 'seen');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`\\n${e.id}\\s+seen\\s+first\\s+SUCCEEDED`));
    const none = await hangar('workflow', 'executions', 'seen', '--status', 'RUNNING');
    assert.match(none.stdout, /^no executions/);

    const history = await hangar('workflow', 'history', e.id);
    assert.equal(history.code, 0, history.stderr);
    const types = history.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/)[3]);
    assert.deepEqual(types, ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    assert.match(history.stdout, /PassStateEntered\s+P \{"input":\{"n":1\}\}/);
    const reversed = await hangar('workflow', 'history', e.id, '--reverse', '--json');
    assert.deepEqual(
      JSON.parse(reversed.stdout).events.map((x: { id: number }) => x.id),
      [4, 3, 2, 1],
    );
  });

  test('start (STANDARD: prints the id; EXPRESS --sync: prints the output) and stop', async () => {
    const started = await hangar('workflow', 'start', 'flow', '--input', '{"a":1}', '--name', 'cli-run');
    assert.equal(started.code, 0, started.stderr);
    const m = /^([0-9a-f-]{36}): started \(flow\/cli-run\)/.exec(started.stdout);
    assert.ok(m, started.stdout);
    for (;;) {
      const e = (await p.inject({ method: 'GET', url: `/executions/${m[1]}`, auth: alice })).json();
      if (e.status !== 'RUNNING') {
        assert.deepEqual([e.status, e.input, e.output], ['SUCCEEDED', { a: 1 }, 1]);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }

    writeFileSync(
      join(dir, 'fails.asl.json'),
      JSON.stringify({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'no' } } }),
    );
    await hangar('workflow', 'create', 'quick', join(dir, 'pass.asl.json'), '--type', 'EXPRESS');
    await hangar('workflow', 'create', 'nope', join(dir, 'fails.asl.json'), '--type', 'EXPRESS');
    writeFileSync(join(dir, 'input.json'), '{"b":2}');
    const sync = await hangar('workflow', 'start', 'quick', '--sync', '--input-file', join(dir, 'input.json'));
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /status\s+SUCCEEDED/);
    assert.match(sync.stdout, /output\s+1/);
    const failed = await hangar('workflow', 'start', 'nope', '--sync', '--json');
    assert.equal(failed.code, 1, 'a sync run that fails exits 1');
    assert.deepEqual([JSON.parse(failed.stdout).status, JSON.parse(failed.stdout).error], ['FAILED', 'Nope']);

    writeFileSync(join(dir, 'wait.asl.json'), JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } }));
    await hangar('workflow', 'create', 'long', join(dir, 'wait.asl.json'));
    const w = JSON.parse((await hangar('workflow', 'start', 'long', '--json')).stdout);
    const stopped = await hangar('workflow', 'stop', w.id, '--error', 'Enough', '--cause', 'from the cli');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout.trim(), `${w.id}: ABORTED`);
    const e = (await p.inject({ method: 'GET', url: `/executions/${w.id}`, auth: alice })).json();
    assert.deepEqual([e.status, e.error, e.cause], ['ABORTED', 'Enough', 'from the cli']);

    // Redriven: RUNNING again; a second redrive of a running one is refused.
    const redriven = await hangar('workflow', 'redrive', w.id, '--client-token', 'cli-1');
    assert.equal(redriven.code, 0, redriven.stderr);
    assert.equal(redriven.stdout.trim(), `${w.id}: RUNNING (redriven 1 time)`);
    const refused = await hangar('workflow', 'redrive', w.id);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /RUNNING and cannot be redriven/);
    await hangar('workflow', 'stop', w.id);
  });

  test('test-state: one state on its own, its steps with --level DEBUG; a failed state exits 1', async () => {
    writeFileSync(join(dir, 'state.asl.json'), JSON.stringify({ Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'After' }));
    const r = await hangar('workflow', 'test-state', '--definition', join(dir, 'state.asl.json'), '--input', '{"n":3}', '--level', 'debug');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /status\s+SUCCEEDED/);
    assert.match(r.stdout, /next state\s+After/);
    assert.match(r.stdout, /afterParameters\s+\{"n":3\}/);
    const named = await hangar('workflow', 'test-state', '--definition', join(dir, 'pass.asl.json'), '--state', 'P', '--json');
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(JSON.parse(named.stdout), { status: 'SUCCEEDED', output: 1, inspectionData: {} });
    writeFileSync(join(dir, 'fail.asl.json'), JSON.stringify({ Type: 'Fail', Error: 'Nope' }));
    const failed = await hangar('workflow', 'test-state', '--definition', join(dir, 'fail.asl.json'));
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /error\s+Nope/);
    assert.equal((await hangar('workflow', 'test-state', '--definition', join(dir, 'state.asl.json'), '--level', 'loud')).code, 2);
  });
});

describe('hangar workflow publish, versions, alias', () => {
  const revision = (n: number) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: n, End: true } } });
  const finished = async (id: string) => {
    for (;;) {
      const e = (await p.inject({ method: 'GET', url: `/executions/${id}`, auth: alice })).json();
      if (e.status !== 'RUNNING') return e;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('publish twice, route an alias across both, start through it and by number, then remove it', async () => {
    writeFileSync(join(dir, 'one.asl.json'), revision(1));
    writeFileSync(join(dir, 'two.asl.json'), revision(2));
    assert.equal((await hangar('workflow', 'create', 'rolled', join(dir, 'one.asl.json'))).code, 0);
    const first = await hangar('workflow', 'publish', 'rolled', '--description', 'the first');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'rolled: version 1');
    const again = await hangar('workflow', 'publish', 'rolled');
    assert.equal(
      again.stdout.trim(),
      'rolled: version 1 (already published: this revision)',
      'an unchanged revision is not published twice',
    );
    await hangar('workflow', 'update', 'rolled', '--definition', join(dir, 'two.asl.json'));
    assert.equal(JSON.parse((await hangar('workflow', 'publish', 'rolled', '--json')).stdout).version, 2);

    const made = await hangar(
      'workflow',
      'alias',
      'create',
      'rolled',
      'live',
      '--route',
      '1=90',
      '--route',
      '2=10',
      '--description',
      'canary',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout.trim(), 'rolled:live → 1=90% 2=10% (created)');
    const stored = (await p.inject({ method: 'GET', url: '/state-machines/rolled/aliases/live', auth: alice })).json();
    assert.deepEqual(
      [stored.routing, stored.description],
      [
        [
          { version: 1, weight: 90 },
          { version: 2, weight: 10 },
        ],
        'canary',
      ],
    );

    const versions = await hangar('workflow', 'versions', 'rolled');
    assert.equal(versions.code, 0, versions.stderr);
    const rows = versions.stdout.trim().split('\n');
    assert.match(rows[0]!, /^VERSION\s+REVISION\s+ALIASES\s+DESCRIPTION/);
    assert.match(rows[1]!, /^2\s+\S+\s+live 10%/, 'newest first, with the alias routing to it');
    assert.match(rows[2]!, /^1\s+\S+\s+live 90%\s+the first/);

    const updated = await hangar('workflow', 'alias', 'update', 'rolled', 'live', '--route', '2');
    assert.equal(updated.stdout.trim(), 'rolled:live → 2=100% (updated)', 'a lone version takes all the starts');
    await hangar('workflow', 'alias', 'create', 'rolled', 'old', '--route', '1=100');
    const listed = await hangar('workflow', 'alias', 'list', 'rolled');
    assert.match(listed.stdout, /\nlive\s+2=100%\s+canary/);
    assert.match(listed.stdout, /\nold\s+1=100%/);
    const onOne = JSON.parse((await hangar('workflow', 'alias', 'list', 'rolled', '--version', '1', '--json')).stdout);
    assert.deepEqual(
      onOne.aliases.map((a: { name: string }) => a.name),
      ['old'],
    );

    const viaAlias = await hangar('workflow', 'start', 'rolled:live');
    assert.equal(viaAlias.code, 0, viaAlias.stderr);
    const a = /^(\S+): started \(rolled\/\S+, version 2 through live\)$/.exec(viaAlias.stdout.trim());
    assert.ok(a, viaAlias.stdout);
    const viaLive = await finished(a[1]!);
    assert.deepEqual([viaLive.output, viaLive.version, viaLive.alias], [2, 2, 'live']);
    const byNumber = JSON.parse((await hangar('workflow', 'start', 'rolled:1', '--json')).stdout);
    const e = await finished(byNumber.id);
    assert.deepEqual([e.output, e.version, e.alias], [1, 1, null], 'version 1 runs its own definition');
    const latest = JSON.parse((await hangar('workflow', 'start', 'rolled', '--json')).stdout);
    assert.equal((await finished(latest.id)).version, null);

    const missing = await hangar('workflow', 'start', 'rolled:nope');
    assert.equal(missing.code, 1);
    const unrouted = await hangar('workflow', 'alias', 'create', 'rolled', 'bad', '--route', '1=50');
    assert.equal(unrouted.code, 1, 'weights that do not sum to 100 are refused by the server');
    assert.equal((await hangar('workflow', 'alias', 'create', 'rolled', 'bad', '--route', 'x=1')).code, 2);
    assert.equal(
      (await hangar('workflow', 'alias', 'update', 'rolled', 'live')).code,
      2,
      'an update that changes nothing is a usage error',
    );

    const removed = await hangar('workflow', 'alias', 'rm', 'rolled', 'old');
    assert.equal(removed.stdout.trim(), 'rolled:old: deleted');
    assert.equal((await p.inject({ method: 'GET', url: '/state-machines/rolled/aliases/old', auth: alice })).statusCode, 404);
  });
});
