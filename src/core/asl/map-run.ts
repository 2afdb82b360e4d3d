/**
 * Map Runs: what AWS starts for every Distributed Map state (its ItemProcessor's ProcessorConfig
 * Mode DISTRIBUTED; ItemReader and ResultWriter exist in that mode only, so a Map with either is
 * one too). Each has an id (a UUID drawn from the execution's random source when the Map is
 * entered), an ARN `arn:…:mapRun:MACHINE/LABEL:UUID`, and events in the parent's history:
 * MapRunStarted after MapStateStarted, MapRunSucceeded or MapRunFailed before the Map's own end,
 * MapRunAborted when the execution is stopped. Inline Maps have none.
 *
 * Iterations are branches of the one execution here, not child executions: a Map Run's item
 * counts and its "execution" counts are the same numbers, both counted from the iterations.
 */
import type { ExecutionInfo } from './context.ts';
import { type AslState, nestedMachine, type StateMachineDefinition } from './definition.ts';
import { isObject } from './errors.ts';
import type { Tolerance } from './map.ts';
import { mapRunOf } from './result-writer.ts';

/** A Map Run as the Map's Step and frame carry it. */
export interface MapRunRef {
  id: string;
  /** The state's Label, or its name. */
  label: string;
  arn: string;
  /** The made-up state machine of its child executions: `…:stateMachine:MACHINE/LABEL`. */
  stateMachineArn: string;
}

export const MAP_RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'] as const;
export type MapRunStatus = (typeof MAP_RUN_STATUSES)[number];

/** DescribeMapRun's itemCounts (and executionCounts: the same numbers here). */
export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  resultsWritten: number;
  failuresNotRedrivable: number;
  pendingRedrive: number;
}

/** Whether a Map state is a Distributed one (and so starts a Map Run). */
export function isDistributed(state: AslState): boolean {
  const processor = state.ItemProcessor;
  const config = processor !== undefined && isObject(processor.ProcessorConfig) ? processor.ProcessorConfig : undefined;
  return config?.Mode === 'DISTRIBUTED' || state.ItemReader !== undefined || state.ResultWriter !== undefined;
}

/**
 * The state machine a Map Run's child executions run (DescribeStateMachineForExecution of a child):
 * the ItemProcessor (or older Iterator) of the Distributed Map state labelled `label` — its Label,
 * or its name — wherever it is in `definition` (inside Parallel branches and other Maps too), as
 * its parent runs it (nestedMachine: the parent's QueryLanguage); null when there is none.
 */
export function childMachineDefinition(definition: StateMachineDefinition, label: string): StateMachineDefinition | null {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    const processor = state.ItemProcessor ?? state.Iterator;
    if (state.Type === 'Map' && processor !== undefined) {
      const own = typeof state.Label === 'string' && state.Label !== '' ? state.Label : name;
      if (own === label && isDistributed(state)) {
        const { ProcessorConfig: _config, ...machine } = nestedMachine(definition, processor);
        return machine;
      }
    }
    for (const nested of [...(state.Branches ?? []), ...(processor ? [processor] : [])]) {
      const found = childMachineDefinition(nestedMachine(definition, nested), label);
      if (found) return found;
    }
  }
  return null;
}

/** The Map Run of a Map state entered now (null for an Inline Map: no random number drawn). */
export function mapRunPlan(state: AslState, name: string, execution: ExecutionInfo, newId: () => string): MapRunRef | null {
  if (!isDistributed(state)) return null;
  const label = typeof state.Label === 'string' && state.Label !== '' ? state.Label : name;
  const run = mapRunOf(execution, { label, runId: newId() });
  return { id: run.id, label, arn: run.arn, stateMachineArn: run.stateMachineArn };
}

/**
 * A Map Run's counts from its iterations: `started` of `total` have started, `running` of them
 * still run, `failed` of the ended ones failed. Results count as written once the run has ended
 * (its results are in the Map's output or its ResultWriter's files).
 */
export function mapRunCounts(
  p: { total: number; started: number; running: number; failed: number; aborted?: number },
  ended: boolean,
): MapRunCounts {
  const succeeded = p.started - p.running - p.failed;
  // `failed` counts the children stopped alone too (a failure to the tolerance); the run shows them aborted.
  const aborted = p.aborted ?? 0;
  return {
    pending: p.total - p.started,
    running: p.running,
    succeeded,
    failed: p.failed - aborted,
    timedOut: 0,
    aborted,
    total: p.total,
    resultsWritten: ended ? succeeded + p.failed : 0,
    // A failed iteration is redriven with its execution (RedriveExecution): none is not redrivable.
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
  };
}

/** The counts of a run that is aborted (its execution stopped): what ran is aborted. */
export function abortedCounts(c: MapRunCounts): MapRunCounts {
  return { ...c, running: 0, aborted: c.aborted + c.running };
}

/** A Map Run's MaxConcurrency and tolerated failures as DescribeMapRun shows them (0 when unset). */
export function mapRunConfig(maxConcurrency: number, t: Tolerance): MapRunConfig {
  return { maxConcurrency, toleratedFailureCount: t.count ?? 0, toleratedFailurePercentage: t.percentage ?? 0 };
}

export interface MapRunConfig {
  maxConcurrency: number;
  toleratedFailureCount: number;
  toleratedFailurePercentage: number;
}

/** UpdateMapRun's change, applied to a running Map: only the fields given change. */
export interface MapRunUpdate {
  maxConcurrency?: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
}

export function updatedTolerance(t: Tolerance, u: MapRunUpdate): Tolerance {
  return {
    count: u.toleratedFailureCount ?? t.count,
    percentage: u.toleratedFailurePercentage ?? t.percentage,
  };
}

/** The check of UpdateMapRun's numbers: a message for the first that is out of range, or null. */
export function mapRunUpdateProblem(u: MapRunUpdate): string | null {
  const { maxConcurrency: m, toleratedFailureCount: c, toleratedFailurePercentage: p } = u;
  if (m === undefined && c === undefined && p === undefined)
    return 'At least one of maxConcurrency, toleratedFailureCount and toleratedFailurePercentage must be given';
  if (m !== undefined && (!Number.isInteger(m) || m < 0)) return 'maxConcurrency must be an integer of at least 0';
  if (c !== undefined && (!Number.isInteger(c) || c < 0)) return 'toleratedFailureCount must be an integer of at least 0';
  if (p !== undefined && (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100))
    return 'toleratedFailurePercentage must be a number from 0 to 100';
  return null;
}
