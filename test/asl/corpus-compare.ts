/** How a conformance case's `expect` is compared with an execution (the corpus README's rules). */
import { jsonEqual } from '../../src/core/asl/intrinsics.ts';
import type { ExecutionResult, Json } from '../../src/core/asl/index.ts';

export interface Mask {
  in: 'output' | 'error' | 'cause';
  at: string;
  any?: true;
  like?: string[];
}

export interface Expectation {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: Json;
  error?: string;
  cause?: string;
  causeFormat?: 'json';
  masks?: Mask[];
}

function pointerParts(at: string): string[] {
  return at === ''
    ? []
    : at
        .slice(1)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(value: Json | undefined, parts: string[]): Json | undefined {
  let v = value;
  for (const p of parts) {
    if (Array.isArray(v)) v = v[Number(p)];
    else if (v !== null && typeof v === 'object') v = v[p];
    else return undefined;
  }
  return v;
}

function setAt(value: Json | undefined, parts: string[], replacement: Json | undefined): Json | undefined {
  if (parts.length === 0) return replacement;
  if (value === null || typeof value !== 'object') return value;
  const [head, ...rest] = parts;
  if (Array.isArray(value)) {
    const copy = value.slice();
    copy[Number(head)] = setAt(copy[Number(head)], rest, replacement) as Json;
    return copy;
  }
  return { ...value, [head]: setAt(value[head], rest, replacement) as Json };
}

function likeMatches(actual: Json | undefined, like: string[]): boolean {
  if (typeof actual !== 'string') return false;
  const re = like.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  return new RegExp(`^${re}$`).test(actual);
}

/** Where masks allow it, put the expected placeholder in place of what the engine produced. */
function masked(actual: Json | undefined, expected: Json | undefined, masks: Mask[], where: Mask['in']): Json | undefined {
  let out = actual;
  for (const m of masks.filter((x) => x.in === where)) {
    const parts = pointerParts(m.at);
    const got = getAt(out, parts);
    if (m.any || (m.like && likeMatches(got, m.like))) out = setAt(out, parts, getAt(expected, parts));
  }
  return out;
}

function parseJson(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** undefined when the result matches, else a one-line difference. */
export function difference(expect: Expectation, result: ExecutionResult): string | undefined {
  const masks = expect.masks ?? [];
  if (result.status !== expect.status) {
    const got = result.status === 'SUCCEEDED' ? JSON.stringify(result.output) : `${result.error}: ${result.cause}`;
    return `status ${result.status} (${got?.slice(0, 300)}), expected ${expect.status}`;
  }
  if (result.status === 'SUCCEEDED') {
    const out = masked(result.output, expect.output, masks, 'output');
    if (!jsonEqual(out as Json, expect.output as Json))
      return `output ${JSON.stringify(result.output)?.slice(0, 400)}, expected ${JSON.stringify(expect.output)?.slice(0, 400)}`;
    return undefined;
  }
  const error = masked(result.error, expect.error, masks, 'error');
  if (error !== expect.error) return `error ${JSON.stringify(result.error)}, expected ${JSON.stringify(expect.error)}`;
  if (expect.causeFormat === 'json') {
    const expected = parseJson(expect.cause);
    const cause = masked(parseJson(result.cause), expected, masks, 'cause');
    if (!jsonEqual((cause ?? null) as Json, (expected ?? null) as Json)) return `cause ${result.cause}, expected ${expect.cause}`;
  } else {
    const cause = masked(result.cause, expect.cause, masks, 'cause');
    if (cause !== expect.cause) return `cause ${JSON.stringify(result.cause)}, expected ${JSON.stringify(expect.cause)}`;
  }
  return undefined;
}
