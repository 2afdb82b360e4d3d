/**
 * A task's stdin, stdout and stderr are pipes, as under Docker, ECS and Lambda: programs that
 * open /dev/stdout or /dev/stderr by path (`echo > /dev/stdout`, `tee /dev/stderr`, Python's
 * open("/dev/stdout", "w"), loggers configured with those paths) work. They were Unix sockets,
 * which cannot be reopened through /proc/self/fd ("No such device or address").
 * Unsandboxed always; in the sandbox (bubblewrap and the util-linux fallback) where the host can.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSandboxExecutor, ProcessExecutor, type ExecutionRequest, type Executor } from '../../src/executor/index.ts';
import { uuidv7 } from '../../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-stdio-'));
chmodSync(dir, 0o711);
const workDir = join(dir, 'work');
mkdirSync(workDir, { recursive: true });

function req(over: Partial<ExecutionRequest>): ExecutionRequest {
  const taskId = uuidv7();
  return {
    taskId,
    attempt: 1,
    command: 'test',
    args: null,
    shell: null,
    env: {},
    metadata: {},
    resources: { cpu: 1024, memory: 256 },
    network: 'none',
    image: null,
    timeoutMs: 20_000,
    workspace: join(workDir, `${taskId}-1`),
    signal: new AbortController().signal,
    ...over,
  };
}

const executors: { name: string; executor: Executor | null; skip: string | false; node: string }[] = [
  { name: 'unsandboxed', executor: new ProcessExecutor(), skip: false, node: process.execPath },
];
for (const engine of ['bwrap', 'unshare'] as const) {
  const r = await createSandboxExecutor({
    uid: 64100,
    pidsMax: 64,
    tmpBytes: 16 << 20,
    openFiles: 256,
    workspaceBytes: 32 << 20,
    maxOutputBytes: 1 << 20,
    networkTestUrl: 'http://127.0.0.1:9/',
    egressAllow: [],
    workDir,
    scope: `test-stdio-${process.pid}-${engine}`,
    engine,
  }).catch((err: Error) => ({
    executor: null,
    problems: [err.message],
  }));
  executors.push({
    name: `sandbox (${engine})`,
    executor: r.executor,
    skip: r.executor ? false : `no sandbox here: ${r.problems.join('; ')}`,
    node: '/opt/hangar/node',
  });
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
      const r = await executor!.run(req({ args: ['/usr/bin/python3', '-c', 'open("/dev/stdout", "w").write("py\\n"); open("/dev/stderr", "w").write("py-err\\n")'] }));
      assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
      assert.equal(r.stdout.data.toString(), 'py\n');
      assert.equal(r.stderr.data.toString(), 'py-err\n');
    });
  });
}
