/**
 * Entry of a built-in workload's child process (spawned by ProcessExecutor).
 * Reads a WorkloadSpec as JSON from stdin, runs the workload, and writes exactly one JSON
 * result object to fd 3, so stdout/stderr carry only the task's own output.
 * Exit code: 0 after a successful report, 1 after a failure report.
 */
import { writeSync } from 'node:fs';
import { formatMB } from './context.ts';
import { workloadFor, type WorkloadSpec } from './index.ts';

const RESULT_FD = 3;

function memoryUsage(): Record<string, string> {
  const m = process.memoryUsage();
  return { heapUsed: formatMB(m.heapUsed), heapTotal: formatMB(m.heapTotal), rss: formatMB(m.rss) };
}

function report(body: Record<string, unknown>): void {
  const buf = Buffer.from(JSON.stringify(body) + '\n');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(RESULT_FD, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

async function readSpec(): Promise<WorkloadSpec> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkloadSpec;
}

async function main(): Promise<number> {
  let spec: WorkloadSpec;
  try {
    spec = await readSpec();
  } catch (err) {
    report({
      success: false,
      error: { message: `bad workload spec: ${(err as Error).message}` },
      metadata: { memoryUsage: memoryUsage() },
    });
    return 1;
  }
  const workload = workloadFor(spec.command);
  const t0 = performance.now();
  try {
    const out = await workload({
      ...spec,
      metadata: spec.metadata ?? {},
      env: spec.env ?? {},
      cwd: process.cwd(),
      log: (line) => process.stdout.write(line + '\n'),
    });
    const result = { ...out, duration: out.duration ?? Math.round(performance.now() - t0) };
    report({ success: true, result, metadata: { memoryUsage: memoryUsage() } });
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${spec.command}: ${message}\n`);
    report({ success: false, error: { message }, metadata: { memoryUsage: memoryUsage() } });
    return 1;
  }
}

// process.exit: workloads may leave handles open (keep-alive sockets, timers).
process.exit(await main());
