/** `hangar doctor`: which isolation this host offers, proven by one real sandboxed run. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';
import { createSandboxExecutor, sandboxTools } from '../executor/index.ts';
import { sandboxSetup } from '../runtime/index.ts';

export interface DoctorReport {
  sandbox: { available: boolean; description: string; problems: string[]; proofMs: number | null };
  bwrapVersion: string | null;
  /** Which sandbox the worker would use: bubblewrap, the util-linux fallback, or none. */
  engine: 'bwrap' | 'unshare' | null;
  root: boolean;
  executor: Config['executor'];
  verdict: string;
}

export async function doctor(config: Config): Promise<DoctorReport> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const workDir = await mkdtemp(join(dataDir, 'doctor-'));
  const tools = sandboxTools(config.sandboxEngine);
  const started = performance.now();
  try {
    const sbx = await createSandboxExecutor(sandboxSetup(config, { networkTestUrl: 'http://127.0.0.1:9/', workDir, scope: `doctor-${process.pid}` }));
    const proofMs = sbx.executor ? Math.round(performance.now() - started) : null;
    await sbx.executor?.close();
    const available = sbx.executor !== null;
    const verdict = available
      ? config.executor === 'sandbox'
        ? 'tasks run sandboxed'
        : 'the sandbox works here; tasks run UNSANDBOXED until HANGAR_EXECUTOR=sandbox'
      : config.executor === 'sandbox'
        ? 'HANGAR_EXECUTOR=sandbox, but the sandbox does not work here: workers will refuse to start'
        : 'no sandbox here: tasks run as plain processes with no isolation (HANGAR_EXECUTOR=process)';
    return {
      sandbox: { available, description: sbx.description, problems: sbx.problems, proofMs },
      bwrapVersion: tools.bwrapVersion,
      engine: tools.engine,
      root: process.getuid?.() === 0,
      executor: config.executor,
      verdict,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
