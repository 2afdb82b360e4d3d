/** `hangar doctor` reports the isolation this host really has, proven by a sandboxed run. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { sandboxTools } from '../../src/executor/index.ts';
import { HANGAR_BIN } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-doctor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('doctor proves the sandbox with a real run, or says why not and exits 1', async () => {
  const env = { ...process.env, HANGAR_DATA_DIR: dir, HANGAR_EXECUTOR: 'sandbox' };
  const tools = sandboxTools();
  if (tools.ok) {
    const { stdout } = await run(HANGAR_BIN, ['doctor', '--json'], { env });
    const r = JSON.parse(stdout);
    assert.equal(r.sandbox.available, true, r.sandbox.problems.join('; '));
    assert.ok(r.sandbox.proofMs > 0);
    assert.equal(r.verdict, 'tasks run sandboxed');
    const human = await run(HANGAR_BIN, ['doctor'], { env: { ...env, HANGAR_EXECUTOR: 'process' } });
    assert.match(human.stdout, /UNSANDBOXED/);
  } else {
    await assert.rejects(run(HANGAR_BIN, ['doctor', '--json'], { env }), (err: { code: number; stdout: string }) => {
      assert.equal(err.code, 1);
      assert.equal(JSON.parse(err.stdout).sandbox.available, false);
      return true;
    });
  }
});
