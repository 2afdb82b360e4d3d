/**
 * JSONata expressions of JSONata states: `"{% expression %}"` strings, compiled once per text
 * and evaluated (asynchronously: jsonata 2.x evaluates with promises) with `$states`, the
 * workflow variables and the functions Step Functions adds. A failing expression is
 * States.QueryEvaluationError with AWS's wording.
 */
import jsonata from 'jsonata';
import { isObject, type Json, type JsonObject, StatesErrors, StatesFailure } from './errors.ts';
import { callIntrinsic, randomUuid } from './intrinsics.ts';
import { BoundedRegExp, enableLinearRegExpFallback, prepareFor } from './regexp.ts';

/** What `$states` holds while a field is evaluated: `result` and `errorOutput` only where AWS defines them. */
export interface StatesBinding {
  input: Json;
  context: Json;
  result?: Json;
  errorOutput?: Json;
}

export interface ExpressionScope {
  readonly states: StatesBinding;
  readonly variables: Readonly<Record<string, Json>>;
  readonly random: () => number;
  /** Epoch ms for `$now()` and `$millis()`: the injected clock, not the machine's. */
  readonly now: () => number;
}

/** A JSONata string: `{%` first and `%}` last, nothing around them (AWS takes " {% x %} " as a literal). */
export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 4 && v.startsWith('{%') && v.endsWith('%}');
}

/** The expression inside `{% %}`, as AWS quotes it in its messages. */
export function expressionText(v: string): string {
  return v.slice(2, -2).trim();
}

export function queryFailure(cause: string): StatesFailure {
  return new StatesFailure(StatesErrors.QueryEvaluationError, cause);
}

const compiled = new Map<string, jsonata.Expression>();

/**
 * A guard, not a decision: an expression that recurses forever in tail position (jsonata
 * optimises tail calls, so the stack never overflows) would hold the execution for ever;
 * past this much wall-clock time it fails with D1012 (States.QueryEvaluationError).
 */
const EVALUATION_TIMEOUT_MS = 10_000;

/**
 * Compile an expression (cached per text); throws jsonata's error (`code`, `message`) on bad
 * syntax. Its regular expressions are bounded (./regexp.ts): V8's linear-time fallback is on
 * before the first one is compiled, and the watchdog thread starts now if one needs it.
 */
export function compileExpression(text: string): jsonata.Expression {
  let e = compiled.get(text);
  if (!e) {
    enableLinearRegExpFallback();
    e = jsonata(text, { timeout: EVALUATION_TIMEOUT_MS, RegexEngine: BoundedRegExp });
    forEachRegExp(e.ast(), (re) => prepareFor(re.source, re.flags));
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(text, e);
  }
  return e;
}

/** Each regular expression literal of a parsed expression. */
function forEachRegExp(node: unknown, f: (re: RegExp) => void, seen = new Set<object>()): void {
  if (typeof node !== 'object' || node === null || seen.has(node)) return;
  seen.add(node);
  if (node instanceof RegExp) f(node);
  else for (const v of Object.values(node)) forEachRegExp(v, f, seen);
}

/** The parsed expression of a `{% %}` string, or jsonata's message (without its code, as AWS quotes it) when it does not parse. */
export function parseExpression(v: string): { ast: jsonata.ExprNode } | { problem: string } {
  try {
    return { ast: compileExpression(expressionText(v)).ast() };
  } catch (e) {
    return { problem: messageOf(e) };
  }
}

function messageOf(e: unknown): string {
  const message = (e as { message?: unknown })?.message;
  return typeof message === 'string' ? message : String(e);
}

/** AWS ends its sentence with `. T1006: message` after a coded JSONata error, `: message` after any other. */
function errorTail(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? `. ${code}: ${messageOf(e)}` : `: ${messageOf(e)}`;
}

const fromMillis = jsonata('$fromMillis($ms, $picture, $timezone)');

/** Step Functions' own functions (AWS "JSONata functions provided by Step Functions"), and `$eval` taken away. */
function functions(scope: ExpressionScope): Record<string, unknown> {
  return {
    partition: (array: Json, size: Json) => callIntrinsic('ArrayPartition', [array, size], scope.random),
    range: (start: Json, end: Json, step: Json) => callIntrinsic('ArrayRange', [start, end, step], scope.random),
    hash: (data: Json, algorithm: Json) => callIntrinsic('Hash', [data, algorithm], scope.random),
    random: (seed?: Json) => (seed === undefined ? scope.random() : seededRandom(seed)),
    uuid: () => randomUuid(scope.random),
    parse: (text: Json) => {
      if (typeof text !== 'string') throw new Error(`$parse expects a string, got ${JSON.stringify(text)}`);
      return JSON.parse(text);
    },
    eval: undefined,
    millis: () => scope.now(),
    now: (picture?: string, timezone?: string) => fromMillis.evaluate(undefined, { ms: scope.now(), picture, timezone }),
  };
}

/** `$random(seed)`: the same number for the same seed (mulberry32 over the seed's text). */
function seededRandom(seed: Json): number {
  let a = 0;
  for (const ch of JSON.stringify(seed)) a = (Math.imul(a, 31) + ch.charCodeAt(0)) | 0;
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** The value of one `{% %}` string of the field `field` ('Output/result', 'Items', …). */
export async function evaluateExpression(source: string, field: string, scope: ExpressionScope): Promise<Json> {
  const text = expressionText(source);
  const quoted = `The JSONata expression '${text}' specified for the field '${field}'`;
  let value: unknown;
  try {
    const bindings: Record<string, unknown> = { ...scope.variables, ...functions(scope), states: scope.states };
    value = await compileExpression(text).evaluate(undefined, bindings);
  } catch (e) {
    const tail = e instanceof StatesFailure ? `: ${e.cause ?? e.error}` : errorTail(e);
    throw queryFailure(`${quoted} threw an error during evaluation${tail}`);
  }
  if (value === undefined) throw queryFailure(`${quoted} returned nothing (undefined).`);
  if (isFunction(value)) throw queryFailure(`${quoted} returned an unsupported result type.`);
  return toJson(value);
}

function isFunction(v: unknown): boolean {
  return typeof v === 'function' || (typeof v === 'object' && v !== null && '_jsonata_lambda' in v);
}

/**
 * A plain JSON copy of a JSONata result: sequences become arrays, functions and undefined fields
 * drop out and a number JSON cannot hold (1/0) becomes null, as JSON.stringify has them.
 */
function toJson(v: unknown): Json {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (Array.isArray(v)) return v.filter((x) => x !== undefined && !isFunction(x)).map(toJson);
  if (typeof v === 'object' && v !== null) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && !isFunction(x)) out[k] = toJson(x);
    return out;
  }
  return v as Json;
}

/**
 * A JSONata template (Arguments, Output, Assign, Items…): every `{% %}` string in it, at any
 * depth, evaluated. AWS names the place of a failing one `Output/key` in an object, `Output[2]`
 * in an array.
 */
export async function evaluateTemplate(template: Json, field: string, scope: ExpressionScope): Promise<Json> {
  if (isExpression(template)) return evaluateExpression(template, field, scope);
  if (Array.isArray(template)) {
    const out: Json[] = [];
    for (const [i, x] of template.entries()) out.push(await evaluateTemplate(x, `${field}[${i}]`, scope));
    return out;
  }
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(template)) out[k] = await evaluateTemplate(x, `${field}/${k}`, scope);
  return out;
}

/** The JSON type AWS names in "Expected 'array', but was 'boolean'". */
export function jsonType(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A field whose value must be of one type: "returned an unexpected result type" when it is not. */
export async function evaluateTyped<T extends Json>(
  template: Json,
  field: string,
  scope: ExpressionScope,
  expected: 'array' | 'boolean' | 'number' | 'string',
): Promise<T> {
  const value = await evaluateTemplate(template, field, scope);
  if (jsonType(value) !== expected) {
    const what = isExpression(template) ? `The JSONata expression '${expressionText(template)}'` : 'The value';
    throw queryFailure(
      `${what} specified for the field '${field}' returned an unexpected result type. Expected '${expected}', but was '${jsonType(value)}' for value: ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}
