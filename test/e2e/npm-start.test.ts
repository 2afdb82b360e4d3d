/**
 * `npm start`, as the README's Quick start runs it, under a supervisor that signals the process
 * it started (npm): the platform must stop, draining as on SIGTERM, and leave nothing behind.
 * npm ran the script through `sh -c`, and a SIGTERM to npm ended npm and the shell while node
 * went on serving the port, orphaned.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { until } from '../helpers/platform.ts';
import { ADMIN, freePort, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV } from '../helpers/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const npmMissing = spawnSync('npm', ['--version']).status === 0 ? false : 'npm is not installed';

/** Processes of a process group that still run (zombies left to a PID 1 that does not reap
 *  them run nothing and hold no port). */
function liveInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

interface NpmStart {
  npm: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

const dirs: string[] = [];
const groups: number[] = [];
after(() => {
  for (const g of groups) for (const pid of liveInGroup(g)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `npm start` in its own process group (as a terminal's job or a supervisor's child is). */
async function npmStart(over: Record<string, string> = {}): Promise<NpmStart> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-npmstart-'));
  dirs.push(dir);
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      HANGAR_PORT: String(port),
      HANGAR_DATA_DIR: dir,
      // The process tree is the point here: no workers, so no sandbox proof to wait for.
      HANGAR_WORKERS: '0',
      HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
      HANGAR_LOG_LEVEL: 'info',
      npm_config_update_notifier: 'false',
      ...over,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.push(npm.pid!);
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/health`).catch(() => null))?.ok || npm.exitCode !== null, 60_000, 100);
  assert.equal(npm.exitCode, null, `npm start did not start:\n${out}`);
  return { npm, url, output: () => out, exited };
}

/** Everything npm started is gone and the port is free. */
async function allGone(s: NpmStart): Promise<void> {
  await until(async () => liveInGroup(s.npm.pid!).length === 0, 30_000, 100).catch(() => {
    throw new Error(`still running: ${liveInGroup(s.npm.pid!).join(', ')}\n${s.output()}`);
  });
  await assert.rejects(fetch(`${s.url}/health`), 'nothing serves the port');
}

describe('npm start under a supervisor', { skip: npmMissing, timeout: 180_000 }, () => {
  it('SIGTERM to npm stops the platform (drained as on SIGTERM), and npm exits 0', async () => {
    const s = await npmStart();
    s.npm.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.output());
    await allGone(s);
    assert.match(s.output(), /"sig":"SIGTERM".*"msg":"shutting down"/);
    assert.match(s.output(), /"msg":"stopped"/);
  });

  it('SIGKILL to npm: the platform sees its parent gone and stops, drained', async () => {
    const s = await npmStart();
    s.npm.kill('SIGKILL');
    await allGone(s);
    assert.match(s.output(), /"sig":"parent gone".*"msg":"shutting down"/);
    assert.match(s.output(), /"msg":"stopped"/);
  });

  it('Ctrl-C (SIGINT to the whole group, which npm forwards again) drains, not a forced exit', async () => {
    const s = await npmStart({ ...TEST_EXECUTOR_ENV, HANGAR_WORKERS: '1' });
    // A task running when Ctrl-C comes: the drain lets it finish (npm's copy of the SIGINT
    // arrives meanwhile).
    const res = await fetch(`${s.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN },
      body: JSON.stringify({ shell: 'sleep 1; echo done' }),
    });
    const { taskId } = (await res.json()) as { taskId: string };
    await until(
      async () => ((await (await fetch(`${s.url}/tasks/${taskId}`, { headers: ADMIN })).json()) as { status: string }).status === 'RUNNING',
      60_000,
      50,
    );
    process.kill(-s.npm.pid!, 'SIGINT');
    // npm exits with its script's status: 0 after a drain, 130 after a forced exit.
    assert.equal(await s.exited, 0, `a graceful stop, not a forced exit:\n${s.output()}`);
    await allGone(s);
    assert.match(s.output(), new RegExp(`"taskId":"${taskId}".*"status":"SUCCESS".*"msg":"attempt finished"`), 'the running task finished');
    assert.match(s.output(), /"msg":"stopped"/);
  });
});
