/**
 * What a built-in workload gets and returns. Workloads run inside the child process started
 * by ProcessExecutor (child.ts); their stdout lines are the task's log.
 */
import type { Resources } from '../../core/index.ts';

/** The JSON spec the executor writes to the child's stdin. */
export interface WorkloadSpec {
  command: string;
  metadata: Record<string, unknown>;
  resources: Resources;
  timeoutMs: number;
  networkTestUrl: string;
  env: Record<string, string>;
}

export interface WorkloadContext extends WorkloadSpec {
  /** The working directory (the attempt's workspace). */
  cwd: string;
  /** Write one human-readable progress line to stdout. */
  log(line: string): void;
}

export interface WorkloadResult {
  message: string;
  iterations?: number;
  duration?: number;
  [key: string]: unknown;
}

export type Workload = (ctx: WorkloadContext) => Promise<WorkloadResult>;

/** An integer from metadata[key], or the default when absent/invalid, clamped to [min, max]. */
export function intParam(metadata: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const raw = metadata[key];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const v = Number.isFinite(n) ? Math.floor(n) : def;
  return Math.min(max, Math.max(min, v));
}

export function formatMB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
