/** The sandbox suites' common set-up: a directory the sandbox uid can reach, an executor per
 *  engine (bubblewrap and the util-linux fallback) or the reason there is none, and requests. */
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxExecutor, type ExecutionRequest, type ProcessExecutor, type SandboxSetup } from '../../src/executor/index.ts';
import { uuidv7 } from '../../src/store/index.ts';

export const SANDBOX_UID = 64100;
/** Both renderings of the sandbox: bubblewrap, and the util-linux fallback (unshare.ts). */
export const ENGINES = ['bwrap', 'unshare'] as const;
export type Engine = (typeof ENGINES)[number];

/** A temporary directory (0711: the sandbox uid traverses it) with a `work` directory in it. */
export function sandboxTestDir(prefix: string): { dir: string; workDir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  const workDir = join(dir, 'work');
  mkdirSync(workDir, { recursive: true });
  return { dir, workDir };
}

export interface TestSandbox {
  executor: ProcessExecutor | null;
  /** false, or why this host cannot run the engine (for `describe(…, { skip })`). */
  skip: string | false;
}

/** A sandbox executor per engine, with small limits; `over` sets anything else. */
export async function testSandboxes(workDir: string, name: string, over: Partial<SandboxSetup> = {}): Promise<Map<Engine, TestSandbox>> {
  const made = await Promise.all(
    ENGINES.map(async (engine) => {
      const r = await createSandboxExecutor({
        uid: SANDBOX_UID,
        pidsMax: 64,
        tmpBytes: 16 << 20,
        openFiles: 256,
        workspaceBytes: 32 << 20,
        maxOutputBytes: 1 << 20,
        networkTestUrl: 'http://127.0.0.1:9/',
        egressAllow: [],
        workDir,
        scope: `test-${process.pid}-${name}-${engine}`,
        engine,
        ...over,
      }).catch((err: Error) => ({ executor: null, problems: [err.message] }));
      const sandbox: TestSandbox = { executor: r.executor, skip: r.executor ? false : `no sandbox here: ${r.problems.join('; ')}` };
      return [engine, sandbox] as const;
    }),
  );
  return new Map(made);
}

/** An attempt of a new task with its workspace under `workDir`; `over` sets its fields. */
export function executionRequest(workDir: string, over: Partial<ExecutionRequest>): ExecutionRequest {
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
    timeoutMs: 10_000,
    workspace: join(workDir, `${taskId}-1`),
    signal: new AbortController().signal,
    ...over,
  };
}

/** One sandbox for suites that need any: the first engine this host runs (the others closed),
 *  or the first's skip reason when it runs none. */
export async function anyTestSandbox(workDir: string, name: string): Promise<TestSandbox> {
  const sandboxes = [...(await testSandboxes(workDir, name)).values()];
  const chosen = sandboxes.find((s) => !s.skip) ?? sandboxes[0];
  for (const s of sandboxes) if (s.executor !== chosen.executor) await s.executor?.close();
  return chosen;
}
