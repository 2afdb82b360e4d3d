/**
 * The hostile-task suite (test/executor/sandbox.test.ts), as functions (issue 23): a function's
 * instance is as contained as a task — unprivileged uid, no capabilities, no host files, no
 * host processes, no network unless asked, no other function's files — and each attack that
 * ends it ends with a typed outcome (Lambda's error types), leaving no process behind, and the
 * next invocation is served. Embedded platform, real sandbox; skipped where the host cannot
 * sandbox.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { processesWithEnv, testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
let p: TestPlatform;
let alice: string;
let bob: string;
let hostServer: Server;
let hostPort = 0;

const zip = makeZip({
  'whoami.js': `const fs = require('node:fs');
exports.handler = async () => {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (k) => status.match(new RegExp('^' + k + ':\\\\s+(\\\\S+)', 'm'))[1];
  return { uid: process.getuid(), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs') };
};`,
  'files.js': `const fs = require('node:fs');
exports.handler = async () => {
  let shadow; try { fs.readFileSync('/etc/shadow'); shadow = 'READ'; } catch (e) { shadow = e.code; }
  const wrote = [];
  for (const p of ['/var/task/x', '/usr/x', '/etc/x', '/x', '/root/x', '/var/x', '/opt/x']) {
    try { fs.writeFileSync(p, 'x'); wrote.push(p); } catch {}
  }
  fs.writeFileSync('/tmp/f', 'ok');
  return { shadow, wrote, tmp: fs.readFileSync('/tmp/f', 'utf8') };
};`,
  'procs.js': `const fs = require('node:fs');
exports.handler = async (event) => {
  const pids = fs.readdirSync('/proc').filter((e) => /^\\d+$/.test(e)).length;
  let host; try { process.kill(event.hostPid, 0); host = 'VISIBLE'; } catch (e) { host = e.code; }
  return { pids, host };
};`,
  'net.js': `exports.handler = async (event) => {
  try { await fetch(event.url, { signal: AbortSignal.timeout(3000) }); return 'REACHED'; }
  catch (e) { return 'error ' + (e.cause?.code ?? e.name); }
};`,
  'mark.js': `const fs = require('node:fs');
exports.handler = async (event) => {
  if (event.write) fs.writeFileSync('/tmp/' + event.write, 'mine');
  return { sees: event.look ? fs.existsSync('/tmp/' + event.look) : null, files: fs.readdirSync('/tmp') };
};`,
  'hog.js': `const hold = [];
exports.handler = async (event) => { for (let i = 0; i < event.mb; i++) hold.push(Buffer.alloc(1 << 20, 1)); return hold.length; };`,
  'bomb.js': `const { spawn } = require('node:child_process');
exports.handler = () => new Promise(() => {
  let failed = 0;
  const fail = () => { if (++failed === 20) process.exit(3); };
  setInterval(() => { for (let i = 0; i < 20; i++) { try { spawn('sleep', ['60'], { stdio: 'ignore' }).on('error', fail); } catch { fail(); } } }, 10);
});`,
  'stubborn.js': `const { spawn } = require('node:child_process');
exports.handler = () => new Promise(() => {
  spawn('sh', ['-c', 'trap "" TERM; (setsid sh -c "trap \\\\"\\\\" TERM; sleep 300" &) ; sleep 300'], { stdio: 'ignore', detached: true });
});`,
  'fill.js': `const fs = require('node:fs');
exports.handler = async () => {
  const mb = Buffer.alloc(1 << 20, 1);
  try { const fd = fs.openSync('/tmp/fill', 'w'); for (let i = 0; i < 700; i++) fs.writeSync(fd, mb); fs.closeSync(fd); return 'WROTE 700 MB'; }
  catch (e) { return e.code; }
};`,
  'chatty.js': `exports.handler = async () => { const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < 50 * 1024; i++) process.stdout.write(line); return 'done'; };`,
  'spin.js': `exports.handler = async () => {
  const c0 = process.cpuUsage(); const t0 = Date.now();
  while (Date.now() - t0 < 1500) {}
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: Date.now() - t0 };
};`,
});

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const deploy = async (key: string, name: string, handler: string, config: object = {}) => {
  const r = await as(key, 'PUT', `/functions/${name}`, { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler, ...config });
  assert.equal(r.statusCode, 201, r.body);
};
const invoke = async (key: string, name: string, event: unknown = {}) => {
  const r = await as(key, 'POST', `/functions/${name}/invoke`, event);
  assert.equal(r.statusCode, 200, r.body);
  return { error: r.headers['x-hangar-function-error'] as string | undefined, body: r.json() };
};
/** Waits until no process of the function is left (its instance was killed with all it started). */
async function noneLeft(name: string): Promise<number[]> {
  let left = processesWithEnv(`AWS_LAMBDA_FUNCTION_NAME=${name}`);
  for (let waited = 0; left.length > 0 && waited < 10_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesWithEnv(`AWS_LAMBDA_FUNCTION_NAME=${name}`);
  }
  return left;
}

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key;
  alice = await key('alice');
  bob = await key('bob');
  hostServer = createServer((_q, r) => r.end('secret'));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', r));
  hostPort = (hostServer.address() as { port: number }).port;
});
after(async () => {
  hostServer?.close();
  await p?.close();
});

describe('hostile functions are contained', { skip }, () => {
  it('runs as an unprivileged uid with no capabilities and no new privileges', async () => {
    await deploy(alice, 'h-whoami', 'whoami.handler');
    const { error, body } = await invoke(alice, 'h-whoami');
    assert.equal(error, undefined, JSON.stringify(body));
    assert.notEqual(body.uid, 0);
    assert.match(body.capEff, /^0+$/);
    assert.equal(body.noNewPrivs, '1');
  });

  it('cannot read /etc/shadow, nor write outside /tmp (its code is read-only)', async () => {
    await deploy(alice, 'h-files', 'files.handler');
    const { body } = await invoke(alice, 'h-files');
    assert.ok(['EACCES', 'ENOENT'].includes(body.shadow), body.shadow);
    assert.deepEqual(body.wrote, []);
    assert.equal(body.tmp, 'ok');
  });

  it('sees no host process', async () => {
    await deploy(alice, 'h-procs', 'procs.handler');
    const { body } = await invoke(alice, 'h-procs', { hostPid: process.pid });
    assert.ok(body.pids <= 5, `sees ${body.pids} processes`);
    assert.equal(body.host, 'ESRCH');
  });

  it("cannot reach a server on the host's 127.0.0.1, with no network or with egress", async () => {
    await deploy(alice, 'h-net', 'net.handler');
    await deploy(alice, 'h-net-egress', 'net.handler', { network: 'egress' });
    for (const name of ['h-net', 'h-net-egress']) {
      const { body } = await invoke(alice, name, { url: `http://127.0.0.1:${hostPort}/` });
      assert.match(body, /^error /, `${name}: ${body}`);
    }
  });

  it("sees neither another function's files nor another user's", async () => {
    await deploy(alice, 'h-mark', 'mark.handler');
    await deploy(alice, 'h-look', 'mark.handler');
    await deploy(bob, 'h-mark', 'mark.handler');
    assert.equal((await invoke(alice, 'h-mark', { write: 'alice-mark' })).body.sees, null);
    assert.equal((await invoke(alice, 'h-look', { look: 'alice-mark' })).body.sees, false, 'another function of the same user');
    assert.equal((await invoke(bob, 'h-mark', { look: 'alice-mark' })).body.sees, false, "another user's function of the same name");
    assert.equal((await invoke(alice, 'h-mark', { look: 'alice-mark' })).body.sees, true, 'its own warm instance keeps its /tmp');
  });

  it('allocating twice its memory ends as Runtime.OutOfMemory; the next invocation is served', async () => {
    await deploy(alice, 'h-hog', 'hog.handler', { memoryMb: 128, timeoutS: 60 });
    const { error, body } = await invoke(alice, 'h-hog', { mb: 256 });
    assert.equal(error, 'Unhandled');
    assert.equal(body.errorType, 'Runtime.OutOfMemory', JSON.stringify(body));
    assert.deepEqual(await invoke(alice, 'h-hog', { mb: 1 }), { error: undefined, body: 1 });
  });

  it('a fork bomb is held at pids.max, ends as Runtime.ExitError, and none of its processes outlives it', async () => {
    await deploy(alice, 'h-bomb', 'bomb.handler', { timeoutS: 60, memoryMb: 1769 });
    const { error, body } = await invoke(alice, 'h-bomb');
    assert.equal(error, 'Unhandled');
    assert.equal(body.errorType, 'Runtime.ExitError', JSON.stringify(body));
    assert.match(body.errorMessage, /exit status 3/, 'it saw its forks refused and exited');
    assert.deepEqual(await noneLeft('h-bomb'), []);
  });

  it('a function that ignores SIGTERM and double-forks does not outlive its timeout', async () => {
    await deploy(alice, 'h-stubborn', 'stubborn.handler', { timeoutS: 1 });
    const { error, body } = await invoke(alice, 'h-stubborn');
    assert.equal(error, 'Unhandled');
    assert.equal(body.errorType, 'Sandbox.Timedout', JSON.stringify(body));
    assert.deepEqual(await noneLeft('h-stubborn'), []);
  });

  it('filling /tmp is stopped (no space, or its memory: /tmp counts against it), the host untouched', async () => {
    await deploy(alice, 'h-fill', 'fill.handler', { memoryMb: 128, timeoutS: 60 });
    const { error, body } = await invoke(alice, 'h-fill');
    if (error) assert.equal(body.errorType, 'Runtime.OutOfMemory', JSON.stringify(body));
    else assert.equal(body, 'ENOSPC');
    assert.deepEqual(await invoke(alice, 'h-whoami').then((r) => r.error), undefined, 'the platform serves on');
  });

  it('printing 50 MB answers, with a 4 KB log tail', async () => {
    await deploy(alice, 'h-chatty', 'chatty.handler', { timeoutS: 60 });
    const r = await as(alice, 'POST', '/functions/h-chatty/invoke?log=true', {});
    assert.equal(r.json(), 'done');
    assert.ok(Buffer.from(String(r.headers['x-hangar-log-result']), 'base64').length <= 4096);
  });

  it('a CPU spinner is held to its memory share of a CPU (128 MB: 0.072 vCPU)', async () => {
    await deploy(alice, 'h-spin', 'spin.handler', { memoryMb: 128, timeoutS: 10 });
    const { body } = await invoke(alice, 'h-spin');
    const share = body.cpuMs / body.wallMs;
    // The quota, with room for a loaded host's scheduling: a quarter of a CPU is far above it.
    assert.ok(share < 0.25, `share ${share.toFixed(3)} of a CPU, over its quota`);
    assert.ok(share > 0.01, `share ${share.toFixed(3)}: it hardly ran`);
  });
});
