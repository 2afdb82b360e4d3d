/**
 * The sandbox is the default: a host that cannot sandbox gets no worker unless the operator
 * opts into the unsafe process executor, which is then flagged by the log, /health and the CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, freePort, startHangar } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-unsafe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('without a sandbox on the host, `hangar up` refuses to run tasks and names the way out', async () => {
  // A PATH with what bin/hangar needs and nothing of the sandbox's tools.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'readlink', 'dirname'])
    symlinkSync((await run('sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(bin, tool));
  const port = await freePort();
  await assert.rejects(
    run(HANGAR_BIN, ['up'], {
      env: { PATH: bin, HANGAR_DATA_DIR: join(dir, 'a'), HANGAR_PORT: String(port), HANGAR_LOG_LEVEL: 'warn' },
      timeout: 30_000,
    }),
    (err: { code: number; stderr: string }) => {
      assert.notEqual(err.code, 0);
      assert.match(err.stderr, /cannot sandbox tasks, so the worker refuses to run them/);
      assert.match(err.stderr, /bubblewrap \(bwrap\) is not installed/);
      assert.match(err.stderr, /HANGAR_EXECUTOR=process .* without isolation/);
      return true;
    },
  );
});

it('HANGAR_EXECUTOR=process runs tasks, and the log, /health and `hangar health` say they are unsandboxed', async () => {
  const h = await startHangar(['up'], { HANGAR_DATA_DIR: join(dir, 'b'), HANGAR_EXECUTOR: 'process' });
  try {
    const res = await fetch(`${h.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN },
      body: '{"args":["true"]}',
    });
    assert.equal(res.status, 201);
    const health = (await (await fetch(`${h.url}/health`)).json()) as { warnings: string[] };
    assert.ok(
      health.warnings.some((w) => /without isolation/.test(w)),
      JSON.stringify(health.warnings),
    );
    const cli = await run(HANGAR_BIN, ['health'], { env: { ...process.env, HANGAR_URL: h.url, HANGAR_API_KEY: TEST_ADMIN_KEY } });
    assert.match(cli.stdout, /warning\s+tasks run as plain processes without isolation/);
    assert.match(h.output(), /WITHOUT ISOLATION/);
  } finally {
    h.child.kill('SIGTERM');
    await h.exited;
  }
});
