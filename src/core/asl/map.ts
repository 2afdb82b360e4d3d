/** Map state decisions: its items, how many run at once, and whether its failures are tolerated. */
import type { AslState } from './definition.ts';
import { type Json, type JsonObject, runtimeFailure, StatesErrors, StatesFailure } from './errors.ts';
import { applyTemplate } from './payload.ts';
import { cachedPath, readPath, type Scope, selectPath } from './scope.ts';

export interface Tolerance {
  count: number | undefined;
  percentage: number | undefined;
}

/** `aborted`: a Distributed Map's child execution stopped alone (StopExecution of its ARN): a
 *  failure the Map's tolerance judges, counted aborted in its Map Run. */
export type IterationOutcome = { ok: true; output: Json } | { ok: false; error: string; cause: string | undefined; aborted?: true };

export function mapItems(state: AslState, scope: Scope): Json[] {
  const items = selectPath(state.ItemsPath ?? '$', scope);
  if (!Array.isArray(items)) {
    throw runtimeFailure(`The Map state's items must be a JSON array, got ${JSON.stringify(items)}`);
  }
  return items;
}

/** Each item's input: ItemSelector (or the older Parameters) evaluated with `$$.Map.Item`. */
export function iterationInput(state: AslState, scope: (index: number, value: Json) => Scope, index: number, value: Json): Json {
  const selector = state.ItemSelector ?? state.Parameters;
  return selector === undefined ? value : applyTemplate(selector, scope(index, value));
}

function pathNumber(
  state: AslState,
  field: 'MaxConcurrency' | 'ToleratedFailureCount' | 'ToleratedFailurePercentage',
  scope: Scope,
): number | undefined {
  const literal = state[field];
  const path = state[`${field}Path`];
  if (literal !== undefined) return typeof literal === 'number' ? literal : undefined;
  if (path === undefined) return undefined;
  const r = readPath(cachedPath(path), scope);
  const found = r.found ? r.value : undefined;
  // A numeric string ("1") is read as its number, as AWS does.
  const v = typeof found === 'string' && found.trim() !== '' && Number.isFinite(Number(found)) ? Number(found) : found;
  const integer = field !== 'ToleratedFailurePercentage';
  if (typeof v !== 'number' || (integer && !Number.isInteger(v))) {
    const shown = v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v);
    throw runtimeFailure(
      `The ${field}Path field refers to value "${shown}" which is not a valid ${integer ? 'integer' : 'float'}: ${path}`,
    );
  }
  return v;
}

/**
 * ItemBatcher: iterations get `{ Items: [...], BatchInput }` of up to MaxItemsPerBatch items
 * (and MaxInputBytesPerBatch bytes of JSON) instead of one item each.
 */
export function batchInputs(state: AslState, inputs: Json[], scope: Scope): Json[] {
  const batcher = state.ItemBatcher;
  if (batcher === undefined) return inputs;
  return batchItems(inputs, {
    maxItems: batcherNumber(batcher, 'MaxItemsPerBatch', scope),
    maxBytes: batcherNumber(batcher, 'MaxInputBytesPerBatch', scope),
    batchInput: batcher.BatchInput === undefined ? undefined : applyTemplate(batcher.BatchInput, scope),
  });
}

export interface Batching {
  maxItems: number | undefined;
  maxBytes: number | undefined;
  batchInput: Json | undefined;
}

/** Groups the iteration inputs into `{ Items, BatchInput }` batches of at most maxItems items and maxBytes bytes of JSON. */
export function batchItems(inputs: Json[], b: Batching): Json[] {
  const maxItems = b.maxItems ?? Number.POSITIVE_INFINITY;
  const maxBytes = b.maxBytes ?? Number.POSITIVE_INFINITY;
  const batches: Json[][] = [];
  let current: Json[] = [];
  let bytes = 0;
  for (const item of inputs) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches.map((Items): Json => (b.batchInput === undefined ? { Items } : { Items, BatchInput: b.batchInput }));
}

function batcherNumber(batcher: JsonObject, field: string, scope: Scope): number | undefined {
  const literal = batcher[field];
  const path = batcher[`${field}Path`];
  return batcherLimit(field, literal !== undefined ? literal : typeof path === 'string' ? selectPath(path, scope) : undefined);
}

/** MaxItemsPerBatch and MaxInputBytesPerBatch: positive integers when given. */
export function batcherLimit(field: string, v: Json | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw runtimeFailure(`The ItemBatcher field ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** MaxConcurrency: 0 (the default) means as many as there are items. */
export function maxConcurrency(state: AslState, scope: Scope): number {
  const n = pathNumber(state, 'MaxConcurrency', scope) ?? 0;
  if (n < 0) throw runtimeFailure('MaxConcurrency must be a non-negative integer.');
  return n;
}

export function tolerance(state: AslState, scope: Scope): Tolerance {
  const count = pathNumber(state, 'ToleratedFailureCount', scope);
  const percentage = pathNumber(state, 'ToleratedFailurePercentage', scope);
  if (percentage !== undefined && (percentage < 0 || percentage > 100))
    throw runtimeFailure('ToleratedFailurePercentage must be between 0 and 100.');
  if (count !== undefined && count < 0) throw runtimeFailure('ToleratedFailureCount must be a non-negative integer.');
  return { count, percentage };
}

/** True once `failed` failures out of `total` items exceed what the Map tolerates (none, by default). */
export function exceedsTolerance(t: Tolerance, failed: number, total: number): boolean {
  if (failed === 0) return false;
  if (t.count === undefined && t.percentage === undefined) return true;
  const byCount = t.count !== undefined && failed > t.count;
  const byPercentage = t.percentage !== undefined && (failed / total) * 100 > t.percentage;
  if (t.count !== undefined && t.percentage !== undefined) return byCount && byPercentage;
  return byCount || byPercentage;
}

/**
 * The Map's result once its iterations ended: the outputs in item order, or the failure. Without
 * tolerance the first failed iteration's error fails the Map; past a tolerance it is
 * States.ExceedToleratedFailureThreshold — as it is when that first one is a child execution
 * stopped alone, which has no error of its own to hand on (only StopExecution's, if any).
 */
export function mapResult(t: Tolerance, outcomes: readonly IterationOutcome[]): Json[] {
  const failures = outcomes.filter((o) => !o.ok);
  if (exceedsTolerance(t, failures.length, outcomes.length)) {
    const first = failures[0] as Extract<IterationOutcome, { ok: false }>;
    if (t.count === undefined && t.percentage === undefined && !first.aborted) throw new StatesFailure(first.error, first.cause);
    throw new StatesFailure(StatesErrors.ExceedToleratedFailureThreshold, 'The specified tolerated failure threshold was exceeded');
  }
  return outcomes.map((o): Json => (o.ok ? o.output : errorOutput(o.error, o.cause)));
}

/** The JSON AWS hands to a Catch and to tolerated Map failures: Error, and Cause when there is one. */
export function errorOutput(error: string, cause: string | undefined): JsonObject {
  return cause === undefined ? { Error: error } : { Error: error, Cause: cause };
}
