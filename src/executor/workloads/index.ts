/** The built-in workloads: command name -> implementation; any unknown name runs `custom`. */
import { cpuIntensive } from './cpu-intensive.ts';
import { customWorkload } from './custom.ts';
import { errorWorkload } from './error.ts';
import { ioIntensive } from './io-intensive.ts';
import { memoryIntensive } from './memory-intensive.ts';
import { networkTest } from './network-test.ts';
import { noop } from './noop.ts';
import { timeoutWorkload } from './timeout.ts';
import type { Workload } from './context.ts';

export type { Workload, WorkloadContext, WorkloadResult, WorkloadSpec } from './context.ts';

export const WORKLOADS: Readonly<Record<string, Workload>> = Object.freeze({
  'cpu-intensive': cpuIntensive,
  'memory-intensive': memoryIntensive,
  'io-intensive': ioIntensive,
  'network-test': networkTest,
  error: errorWorkload,
  timeout: timeoutWorkload,
  noop,
  custom: customWorkload,
});

/** Names with a dedicated implementation (any other command name runs `custom`). */
export const BUILTIN_WORKLOADS: readonly string[] = Object.freeze(Object.keys(WORKLOADS));

export function workloadFor(command: string): Workload {
  return Object.hasOwn(WORKLOADS, command) ? WORKLOADS[command] : customWorkload;
}
