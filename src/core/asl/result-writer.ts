/**
 * A Distributed Map's ResultWriter: how the results of its iterations are shaped (WriterConfig's
 * Transformation and OutputType) and, with a Resource and Parameters (Arguments in JSONata),
 * exported as files under `<Prefix>/<map run id>/` with a manifest.json — the layout AWS
 * documents (input-output-resultwriter). Everything here is pure: the runner carries out the
 * write (an effect, as an ItemReader's read is) and the Map ends once it is done.
 *
 * Iterations here are branches of the one execution, not child executions: the record AWS
 * writes of each child (its ARN, name, dates, input, output, status) is made up from the
 * iteration, with a name derived from the map run's id and the item's index, so that a write
 * redone after a takeover names the same children and the same files.
 */
import { createHash } from 'node:crypto';
import type { ExecutionInfo } from './context.ts';
import type { AslState } from './definition.ts';
import { isObject, type Json, type JsonObject, runtimeFailure, StatesErrors, StatesFailure } from './errors.ts';
import { errorOutput, type IterationOutcome, mapResult, type Tolerance } from './map.ts';
import { applyTemplate } from './payload.ts';
import type { Scope } from './scope.ts';

export const Transformations = { NONE: 'NONE', COMPACT: 'COMPACT', FLATTEN: 'FLATTEN' } as const;
export type Transformation = (typeof Transformations)[keyof typeof Transformations];
export const OutputTypes = { JSON: 'JSON', JSONL: 'JSONL' } as const;
export type OutputType = (typeof OutputTypes)[keyof typeof OutputTypes];

/** What a Map's ResultWriter asks for, decided when the Map is entered. */
export interface WriterPlan {
  transformation: Transformation;
  outputType: OutputType;
  /** Where the files go (Resource and Parameters / Arguments, evaluated); null: the state's output. */
  destination: { bucket: string; prefix: string } | null;
  /** The Map Run's label in its ARN: the state's Label, or its name. */
  label: string;
  /** The Map Run's id (a UUID): the folder of its files. */
  runId: string;
}

/** One iteration as the writer sees it; startMs absent: it never started (PENDING). */
export interface IterationRecord {
  index: number;
  input: Json;
  startMs?: number;
  stopMs?: number;
  outcome?: IterationOutcome;
}

export interface ResultFile {
  key: string;
  body: string;
}

/** The files to write into a bucket, the manifest among them. */
export interface ResultWriteRequest {
  bucket: string;
  files: ResultFile[];
}

const PUT_OBJECT = /^arn:aws[a-zA-Z-]*:states:::s3:putObject$/;

/**
 * The plan of a Map's ResultWriter (null without one). `parameters`: a JSONata state's
 * Arguments, already evaluated; a JSONPath state's Parameters are evaluated here. `newId` makes
 * the Map Run's id: the Map's Map Run's (map-run.ts), drawn once when the Map is entered.
 */
export function writerPlan(state: AslState, name: string, scope: Scope, newId: () => string, parameters?: Json): WriterPlan | null {
  const writer = state.ResultWriter;
  if (writer === undefined) return null;
  const config = isObject(writer.WriterConfig) ? writer.WriterConfig : undefined;
  const exporting = writer.Resource !== undefined;
  let destination: WriterPlan['destination'] = null;
  if (exporting) {
    const resource = typeof writer.Resource === 'string' ? writer.Resource : '';
    if (!PUT_OBJECT.test(resource)) throw runtimeFailure(`A ResultWriter's Resource must be s3:putObject, not '${resource}'`);
    const params = parameters ?? (writer.Parameters === undefined ? {} : applyTemplate(writer.Parameters, scope));
    if (!isObject(params)) throw runtimeFailure("A ResultWriter's Parameters must be an object");
    const { Bucket: bucket, Prefix: prefix } = params;
    if (typeof bucket !== 'string' || bucket === '') throw resultWriterFailure('The ResultWriter needs a Bucket');
    if (prefix !== undefined && typeof prefix !== 'string') throw resultWriterFailure("The ResultWriter's Prefix must be a string");
    destination = { bucket, prefix: prefix ?? '' };
  }
  // AWS: NONE when exporting without a WriterConfig, COMPACT (what a Map returns) otherwise.
  const transformation = config?.Transformation ?? (exporting ? 'NONE' : 'COMPACT');
  if (!Object.hasOwn(Transformations, String(transformation)))
    throw runtimeFailure(`WriterConfig.Transformation must be NONE, COMPACT or FLATTEN, not ${JSON.stringify(transformation)}`);
  const outputType = config?.OutputType ?? 'JSON';
  if (!Object.hasOwn(OutputTypes, String(outputType)))
    throw runtimeFailure(`WriterConfig.OutputType must be JSON or JSONL, not ${JSON.stringify(outputType)}`);
  return {
    transformation: transformation as Transformation,
    outputType: outputType as OutputType,
    destination,
    label: typeof state.Label === 'string' && state.Label !== '' ? state.Label : name,
    runId: newId(),
  };
}

export function resultWriterFailure(cause: string): StatesFailure {
  return new StatesFailure(StatesErrors.ResultWriterFailed, cause);
}

/** A Map Run's names: its ARN, and those of its (made-up) child executions and their state machine. */
export interface MapRun {
  id: string;
  arn: string;
  stateMachineArn: string;
  executionArnPrefix: string;
}

/** arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID, from the execution's state machine ARN. */
export function mapRunOf(execution: ExecutionInfo, plan: Pick<WriterPlan, 'label' | 'runId'>): MapRun {
  const m = /^arn:([^:]+):states:([^:]*):([^:]*):stateMachine:/.exec(execution.stateMachineId);
  const [partition, region, account] = m ? [m[1], m[2], m[3]] : ['aws', 'us-east-1', '111111111111'];
  const base = `arn:${partition}:states:${region}:${account}`;
  const path = `${execution.stateMachineName}/${plan.label}`;
  return {
    id: plan.runId,
    arn: `${base}:mapRun:${path}:${plan.runId}`,
    stateMachineArn: `${base}:stateMachine:${path}`,
    executionArnPrefix: `${base}:execution:${path}:`,
  };
}

/**
 * The name of an iteration's child execution, a UUID stable for the run and index: the run id's
 * first 80 bits (so that a child's ARN finds its Map Run: childRunPrefix, one indexed range read)
 * then the index in the last 48, masked by a hash of the run id so that siblings do not look
 * sequential.
 */
export function childName(runId: string, index: number): string {
  const low = (BigInt(index) ^ childMask(runId)).toString(16).padStart(12, '0');
  return `${runId.slice(0, 23)}-${low}`;
}

/** The first 23 characters of the Map Run ids a child execution's name can be of; null: not a child's name. */
export function childRunPrefix(name: string): string | null {
  return CHILD_NAME.test(name) ? name.slice(0, 23) : null;
}

/** The index of the run's iteration that this child name names; null when it is not one of the run's. */
export function childIndex(runId: string, name: string): number | null {
  if (childRunPrefix(name) !== runId.slice(0, 23)) return null;
  const index = BigInt(`0x${name.slice(24)}`) ^ childMask(runId);
  return index <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(index) : null;
}

const CHILD_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const childMask = (runId: string): bigint => BigInt(`0x${createHash('md5').update(runId).digest('hex').slice(0, 12)}`);

type Status = 'SUCCEEDED' | 'FAILED' | 'PENDING';

function statusOf(r: IterationRecord): Status {
  if (r.outcome === undefined) return 'PENDING';
  return r.outcome.ok ? 'SUCCEEDED' : 'FAILED';
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The NONE record of an iteration: its child execution as DescribeExecution shows it (Input and Output as JSON text). */
export function executionRecord(run: MapRun, r: IterationRecord): JsonObject {
  const input = { Input: JSON.stringify(r.input), InputDetails: { Included: true } };
  const status = statusOf(r);
  if (status === 'PENDING') return { ...input, Status: status };
  const name = childName(run.id, r.index);
  const record: JsonObject = {
    ExecutionArn: `${run.executionArnPrefix}${name}`,
    ...input,
    Name: name,
    RedriveCount: 0,
    // As the run ended: a failed child is redriven only with its parent execution (RedriveExecution), which a record written now does not know of.
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: `Execution is ${status} and cannot be redriven`,
    StartDate: iso(r.startMs),
    StateMachineArn: run.stateMachineArn,
    Status: status,
    StopDate: iso(r.stopMs),
  };
  const o = r.outcome!;
  if (o.ok) Object.assign(record, { Output: JSON.stringify(o.output), OutputDetails: { Included: true } });
  else Object.assign(record, o.cause === undefined ? { Error: o.error } : { Error: o.error, Cause: o.cause });
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The results of ended iterations as the transformation shapes them: NONE, each one's record;
 * COMPACT, their outputs (a tolerated failure's Error and Cause, as a Map without ResultWriter
 * gives); FLATTEN, the outputs with arrays spread into the list, a failed one's NONE record.
 */
export function transformResults(t: Transformation, run: MapRun, records: readonly IterationRecord[]): Json[] {
  const out: Json[] = [];
  for (const r of records) {
    const o = r.outcome;
    if (o === undefined) continue;
    switch (t) {
      case 'NONE':
        out.push(executionRecord(run, r));
        break;
      case 'COMPACT':
        out.push(o.ok ? o.output : errorOutput(o.error, o.cause));
        break;
      case 'FLATTEN':
        if (!o.ok) out.push(executionRecord(run, r));
        else if (Array.isArray(o.output)) out.push(...o.output);
        else out.push(o.output);
        break;
      default: {
        const never: never = t;
        throw new Error(`unknown transformation ${never}`);
      }
    }
  }
  return out;
}

/** `<Prefix>/<run id>/`: a Prefix without its slash gets one (AWS's example: csvProcessJobs/<id>/manifest.json). */
export function runFolder(prefix: string, runId: string): string {
  if (prefix === '') return `${runId}/`;
  return prefix.endsWith('/') ? `${prefix}${runId}/` : `${prefix}/${runId}/`;
}

/**
 * The files of an export: one per status that has iterations — SUCCEEDED_0 (shaped by the
 * transformation), FAILED_0 and PENDING_0 (NONE records, which a recovery needs) — `.json`
 * holding an array or `.jsonl` one record a line, and manifest.json listing them; and the
 * state's output, which points at the manifest.
 */
export function exportResults(
  plan: WriterPlan,
  run: MapRun,
  records: readonly IterationRecord[],
): { request: ResultWriteRequest; output: JsonObject } {
  const destination = plan.destination;
  if (!destination) throw new Error('exportResults needs a destination');
  const folder = runFolder(destination.prefix, run.id);
  const ext = plan.outputType === 'JSONL' ? 'jsonl' : 'json';
  const files: ResultFile[] = [];
  const listed: Record<Status, JsonObject[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    const mine = records.filter((r) => statusOf(r) === status);
    if (mine.length === 0) continue;
    const entries = status === 'SUCCEEDED' ? transformResults(plan.transformation, run, mine) : mine.map((r) => executionRecord(run, r));
    const body = plan.outputType === 'JSONL' ? entries.map((e) => `${JSON.stringify(e)}\n`).join('') : JSON.stringify(entries);
    const key = `${folder}${status}_0.${ext}`;
    files.push({ key, body });
    listed[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${folder}manifest.json`;
  const manifest = { DestinationBucket: destination.bucket, MapRunArn: run.arn, ResultFiles: listed };
  files.push({ key: manifestKey, body: JSON.stringify(manifest) });
  return {
    request: { bucket: destination.bucket, files },
    output: { MapRunArn: run.arn, ResultWriterDetails: { Bucket: destination.bucket, Key: manifestKey } },
  };
}

/** How a Map ends once its iterations have: with a result, a failure, or a write and then one of them. */
export type MapEnd =
  | { kind: 'complete'; result: Json }
  | { kind: 'fail'; error: string; cause: string | undefined }
  | { kind: 'write'; request: ResultWriteRequest; after: IterationOutcome };

/**
 * The Map's end from its iterations (in index order; those never started have no outcome). An
 * export is written whether the Map Run succeeded or not (AWS writes the FAILED and PENDING files
 * of a failed run too); the Map then succeeds with the manifest's place or fails as it would have.
 */
export function mapEnd(
  tolerance: Tolerance,
  plan: WriterPlan | null,
  execution: ExecutionInfo,
  records: readonly IterationRecord[],
): MapEnd {
  let inline: Json[] | undefined;
  let failure: StatesFailure | undefined;
  try {
    inline = mapResult(
      tolerance,
      records.flatMap((r) => (r.outcome ? [r.outcome] : [])),
    );
  } catch (e) {
    if (!(e instanceof StatesFailure)) throw e;
    failure = e;
  }
  if (plan?.destination) {
    const run = mapRunOf(execution, plan);
    const { request, output } = exportResults(plan, run, records);
    const after: IterationOutcome = failure ? { ok: false, error: failure.error, cause: failure.cause } : { ok: true, output };
    return { kind: 'write', request, after };
  }
  if (failure) return { kind: 'fail', error: failure.error, cause: failure.cause };
  if (!plan || plan.transformation === 'COMPACT') return { kind: 'complete', result: inline! };
  return { kind: 'complete', result: transformResults(plan.transformation, mapRunOf(execution, plan), records) };
}

export type WriteOutcome = { ok: true } | { ok: false; error: string; cause: string | undefined };

/** The Map's outcome from its end and, for a write, how the write went (its failure comes first). */
export function mapOutcome(end: MapEnd, written?: WriteOutcome): IterationOutcome {
  switch (end.kind) {
    case 'complete':
      return { ok: true, output: end.result };
    case 'fail':
      return { ok: false, error: end.error, cause: end.cause };
    case 'write':
      if (written === undefined) throw new Error('a write has no outcome yet');
      return written.ok ? end.after : written;
    default: {
      const never: never = end;
      throw new Error(`unknown map end ${JSON.stringify(never)}`);
    }
  }
}
