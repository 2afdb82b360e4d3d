/**
 * `hangar activity ...`: real `hangar` processes against a real platform (in this process,
 * port 0): an activity's lifecycle, and a worker's poll taking the task an execution scheduled.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { type TestPlatform, testPlatform } from '../helpers/platform.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');

let p: TestPlatform;
let alice: string;

before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_ACTIVITY_POLL_MS: '300' }, { api: true, workers: false });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
});
after(() => p.close());

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: alice }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('hangar activity', () => {
  test('create, list, get, poll (empty, then a task), rm', async () => {
    const made = await hangar('activity', 'create', 'cli-work', '--tag', 'team=data', '--json');
    assert.equal(made.code, 0, made.stderr);
    const arn = JSON.parse(made.stdout).arn as string;
    assert.match(arn, /:activity:cli-work$/);
    assert.match((await hangar('activity', 'list')).stdout, /cli-work/);
    const shown = await hangar('activity', 'get', 'cli-work');
    assert.match(shown.stdout, /arn\s+arn:aws:states:/);
    assert.match(shown.stdout, /tags\s+team=data/);
    const tagged = await hangar('activity', 'tag', 'cli-work', 'env=prod', 'team=ops');
    assert.equal(tagged.code, 0, tagged.stderr);
    assert.equal(tagged.stdout.trim(), 'cli-work: team=ops, env=prod');
    assert.equal((await hangar('activity', 'untag', 'cli-work', 'team', 'never-set')).stdout.trim(), 'cli-work: env=prod');
    assert.equal((await hangar('activity', 'tag', 'cli-work', 'aws:x=1')).code, 1, 'a reserved key is refused by the server');

    const idle = await hangar('activity', 'poll', 'cli-work');
    assert.equal(idle.code, 0, idle.stderr);
    assert.match(idle.stdout, /no task within the wait/);

    const definition = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: arn, End: true } } };
    const as = { authorization: `Bearer ${alice}` };
    assert.equal(
      (await p.inject({ method: 'POST', url: '/state-machines', headers: as, payload: { name: 'cli-uses', definition } })).statusCode,
      201,
    );
    await p.inject({ method: 'POST', url: '/state-machines/cli-uses/executions', headers: as, payload: { input: { from: 'cli' } } });
    let task: { token: string; input: unknown } | null = null;
    while (!task) {
      const polled = await hangar('activity', 'poll', 'cli-work', '--worker', 'cli', '--json');
      assert.equal(polled.code, 0, polled.stderr);
      task = JSON.parse(polled.stdout).task;
    }
    assert.deepEqual(task.input, { from: 'cli' });
    const answered = await p.inject({
      method: 'POST',
      url: '/task-tokens/success',
      headers: as,
      payload: { token: task.token, output: 1 },
    });
    assert.equal(answered.statusCode, 200);

    assert.equal((await hangar('activity', 'rm', 'cli-work')).code, 0);
    const gone = await hangar('activity', 'get', 'cli-work');
    assert.notEqual(gone.code, 0);
  });
});
