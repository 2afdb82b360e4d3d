/**
 * Rows of map_runs (migration 0032) to the model and back, shared by both backends; what a
 * stop does to the running ones (core/asl abortedCounts) is decided once, here.
 */
import { asl } from '../core/index.ts';
import type { HistoryEventRecord } from '../core/index.ts';
import type { MapRunRecord, MapRunWrite } from './ports/workflows.ts';
import { numOrNull, type Row } from './row.ts';

/** MAP_RUN_COLUMNS' values, in order. */
export const MAP_RUN_COLUMNS =
  'id, execution_id, user_id, arn, state_machine_arn, status, started_at, stopped_at, max_concurrency, tolerated_failure_count, tolerated_failure_percentage, counts';

export function mapRunValues(executionId: string, userId: string, m: MapRunWrite): (string | number | null)[] {
  return [
    m.id,
    executionId,
    userId,
    m.arn,
    m.stateMachineArn,
    m.status,
    m.startedAt,
    m.stoppedAt,
    m.maxConcurrency,
    m.toleratedFailureCount,
    m.toleratedFailurePercentage,
    JSON.stringify(m.counts),
  ];
}

export function mapRunFromRow(r: Row): MapRunRecord {
  return {
    id: String(r.id),
    executionId: String(r.execution_id),
    userId: String(r.user_id),
    arn: String(r.arn),
    stateMachineArn: String(r.state_machine_arn),
    status: String(r.status) as asl.MapRunStatus,
    startedAt: Number(r.started_at),
    stoppedAt: numOrNull(r.stopped_at),
    maxConcurrency: Number(r.max_concurrency),
    toleratedFailureCount: Number(r.tolerated_failure_count),
    toleratedFailurePercentage: Number(r.tolerated_failure_percentage),
    counts: JSON.parse(String(r.counts)) as asl.MapRunCounts,
    redriveCount: Number(r.redrive_count ?? 0),
    redriveDate: numOrNull(r.redrive_date),
  };
}

/**
 * A stop's end of the running Map Runs (rows of map_runs): each one's new counts (text), and
 * the MapRunAborted events that go before the ExecutionAborted one, numbered from `lastId`.
 */
export function abortRuns(
  running: Row[],
  lastId: number,
  stoppedAt: number,
): { runs: { id: string; counts: string }[]; events: HistoryEventRecord[] } {
  const runs = running.map((r) => ({ id: String(r.id), counts: JSON.stringify(asl.abortedCounts(mapRunFromRow(r).counts)) }));
  const events = runs.map((_, i) => ({
    id: lastId + i + 1,
    previousEventId: lastId + i,
    type: 'MapRunAborted',
    timestamp: stoppedAt,
    details: null,
  }));
  return { runs, events };
}
