/**
 * The forwarder in front of a networked sandbox's program (sandbox/forward.ts): socat where the
 * host has it, the Node forwarder otherwise (forced here with `socat: false`). Real sandboxes
 * on both engines, the real egress proxy, a real server on the host's loopback allowed for
 * egress, and a real unix socket server forwarded as a function's Runtime API is.
 */
import assert from 'node:assert/strict';
import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ExecutionRequest, ProcessExecutor } from '../../src/executor/index.ts';
import { findSocat } from '../../src/executor/sandbox/forward.ts';
import { ENGINES, executionRequest, sandboxTestDir, testSandboxes, type TestSandbox } from '../helpers/sandbox.ts';

const { dir, workDir } = sandboxTestDir('hangar-fwd-');
const allowed = createServer((_q, r) => r.end('allowed'));
await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', r));
const allowedPort = (allowed.address() as { port: number }).port;
const url = `http://127.0.0.1:${allowedPort}/`;
// A unix socket on the host that answers each connection with one line, as the Runtime API's
// socket is reached by a `provided` function (forwarded to 127.0.0.1:9001 inside).
const echoSocket = join(dir, 'echo.sock');
const echo = createNetServer((c) => c.end('echo says hi\n'));
await new Promise<void>((r) => echo.listen(echoSocket, r));
chmodSync(echoSocket, 0o666); // The sandbox uid connects to it.

const socat = findSocat();
const over = { egressAllow: [`127.0.0.1:${allowedPort}`], networkTestUrl: url };
const withSocat = await testSandboxes(workDir, 'fwd-socat', over);
const withNode = await testSandboxes(workDir, 'fwd-node', { ...over, socat: false });
after(async () => {
  allowed.close();
  echo.close();
  for (const r of [...withSocat.values(), ...withNode.values()]) await r.executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const req = (over: Partial<ExecutionRequest>) => executionRequest(workDir, over);
const FORWARDERS = [
  { name: 'socat', sandboxes: withSocat, skipAlso: socat ? false : 'socat is not installed' },
  { name: 'node', sandboxes: withNode, skipAlso: false },
] as const;

for (const engine of ENGINES) {
  for (const f of FORWARDERS) {
    const { executor, skip } = f.sandboxes.get(engine)! satisfies TestSandbox;
    const sbx = executor as ProcessExecutor;
    const run = (over: Partial<ExecutionRequest>) => sbx.run(req(over));
    describe(`forwarder ${f.name} (${engine})`, { skip: skip || f.skipAlso }, () => {
      it('runs in front of the program: socat, or the Node forwarder without it', async () => {
        // Every process's argv (the sandbox's own pid namespace), one a line.
        const r = await run({
          shell: 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
          network: 'egress',
        });
        assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
        // Not bwrap's own init (its argv names every bind, Hangar's Node among them).
        const procs = r.stdout.data
          .toString()
          .split('\n')
          .filter((l) => !l.startsWith('bwrap '))
          .join('\n');
        if (f.name === 'socat') {
          assert.doesNotMatch(procs, /egress-forward|\/opt\/hangar\/node/, procs);
          assert.match(procs, /socat .*TCP-LISTEN:3128,bind=127\.0\.0\.1,fork,reuseaddr UNIX-CONNECT:\/run\/hangar\/fwd-3128\.sock/, procs);
        } else {
          assert.doesNotMatch(procs, /socat/, procs);
          assert.match(procs, /egress-forward\.mjs/, procs);
        }
      });

      it("the program's very first connection goes through HTTP_PROXY", async () => {
        // curl is the program itself: it connects before anything else runs; five times over,
        // so a forwarder that is not yet listening when the program starts would show.
        for (let i = 0; i < 5; i++) {
          const r = await run({ args: ['curl', '-sS', '--max-time', '5', url], network: 'egress' });
          assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
          assert.equal(r.stdout.data.toString(), 'allowed');
          assert.equal(r.stderr.data.toString(), '', 'nothing from the forwarder on the task’s stderr');
        }
      });

      it('forwards every socket: the egress proxy and a host unix socket at once', async () => {
        const r = await run({
          args: ['bash', '-c', `exec 5<>/dev/tcp/127.0.0.1/9001 && cat <&5 && curl -sS --max-time 5 ${url}`],
          network: 'egress',
          sandbox: { forwards: [{ socket: echoSocket, port: 9001 }] },
        });
        assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
        assert.equal(r.stdout.data.toString(), 'echo says hi\nallowed');
      });

      it("the program's exit code, output and a signal's kill are its own, as without network", async () => {
        const code = await run({ shell: 'echo out; echo err >&2; exit 7', network: 'egress' });
        assert.deepEqual([code.exitCode, code.stdout.data.toString(), code.stderr.data.toString()], [7, 'out\n', 'err\n']);
        // A program killed by a signal: the same end as the same program with no network.
        // In the util-linux fallback a program with no forwarder is its pid namespace's init,
        // which a signal with no handler does not kill; exec'd by the socat wrapper it is init
        // there too, so it ends the same. The Node forwarder takes init's place and, its child
        // killed, cannot re-raise the signal on itself: it ends 1 (as it always has).
        const killed = 'echo before; kill -TERM $$; echo after';
        const plain = await run({ shell: killed });
        const networked = await run({ shell: killed, network: 'egress' });
        const end = (r: typeof plain) => [r.status, r.exitCode, r.signal, r.stdout.data.toString(), r.failure?.code];
        if (f.name === 'socat' || engine === 'bwrap') assert.deepEqual(end(networked), end(plain));
        if (engine === 'bwrap') assert.equal(plain.stdout.data.toString(), 'before\n', 'the signal killed it');
      });

      it('a built-in workload reports on fd 3 through it', async () => {
        const r = await run({ command: 'network-test', network: 'egress', metadata: { requests: 2 } });
        assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
        assert.deepEqual((r.detailedResults.result as { statusCodes?: number[] }).statusCodes, [200, 200]);
      });

      it('a port it cannot listen on fails the start with 125 and says so', async () => {
        // Below 1024: the sandbox uid has no capability to bind it.
        const r = await run({ args: ['true'], sandbox: { forwards: [{ socket: echoSocket, port: 80 }] } });
        assert.equal(r.exitCode, 125);
        assert.match(
          r.stderr.data.toString(),
          f.name === 'socat' ? /forwarder \(socat\) for 127\.0\.0\.1:80 ended before listening/ : /cannot listen on 127\.0\.0\.1:80/,
        );
      });
    });
  }
}
