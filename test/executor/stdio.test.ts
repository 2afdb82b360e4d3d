/**
 * A task's stdin, stdout and stderr are pipes, as under Docker, ECS and Lambda: programs that
 * open /dev/stdout or /dev/stderr by path (`echo > /dev/stdout`, `tee /dev/stderr`, Python's
 * open("/dev/stdout", "w"), loggers configured with those paths) work. They were Unix sockets,
 * which cannot be reopened through /proc/self/fd ("No such device or address").
 * Unsandboxed always; in the sandbox (bubblewrap and the util-linux fallback) where the host can.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ProcessExecutor, type ExecutionRequest, type Executor } from '../../src/executor/index.ts';
import { executionRequest, sandboxTestDir, testSandboxes } from '../helpers/sandbox.ts';

const { dir, workDir } = sandboxTestDir('hangar-stdio-');
const req = (over: Partial<ExecutionRequest>) => executionRequest(workDir, { timeoutMs: 20_000, ...over });

const executors: { name: string; executor: Executor | null; skip: string | false; node: string }[] = [
  { name: 'unsandboxed', executor: new ProcessExecutor(), skip: false, node: process.execPath },
];
for (const [engine, { executor, skip }] of await testSandboxes(workDir, 'stdio')) {
  executors.push({ name: `sandbox (${engine})`, executor, skip, node: '/opt/hangar/node' });
}
after(async () => {
  for (const e of executors) await e.executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const { name, executor, skip, node } of executors) {
  describe(`a task's stdio (${name})`, { skip }, () => {
    it('are pipes that /dev/stdout and /dev/stderr reopen, from a shell and from node', async () => {
      const shell = [
        '[ -p /dev/stdout ] && [ -p /dev/stderr ] && echo pipes',
        'echo to-stdout > /dev/stdout',
        'echo to-stderr > /dev/stderr',
        'echo teed | tee /dev/stderr',
        `${node} -e 'require("fs").writeFileSync("/dev/stdout", "from-node\\n")'`,
      ].join('; ');
      const r = await executor!.run(req({ shell }));
      assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
      assert.equal(r.stdout.data.toString(), 'pipes\nto-stdout\nteed\nfrom-node\n');
      assert.equal(r.stderr.data.toString(), 'to-stderr\nteed\n');
    });

    it("from Python's open('/dev/stdout')", { skip: existsSync('/usr/bin/python3') ? false : 'no /usr/bin/python3' }, async () => {
      const r = await executor!.run(
        req({ args: ['/usr/bin/python3', '-c', 'open("/dev/stdout", "w").write("py\\n"); open("/dev/stderr", "w").write("py-err\\n")'] }),
      );
      assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
      assert.equal(r.stdout.data.toString(), 'py\n');
      assert.equal(r.stderr.data.toString(), 'py-err\n');
    });
  });
}
