/**
 * JSONPath as Step Functions evaluates it (AWS runs Jayway JsonPath): a definite path (names
 * and indexes only) yields one value or nothing; an indefinite one (wildcard, slice, filter,
 * deep scan) yields the list of what it matched, possibly empty.
 */
import { isObject, type Json } from './errors.ts';

export type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number | undefined }
  | { kind: 'deep'; name: string | undefined }
  | { kind: 'filter'; test: (item: Json) => boolean }
  | { kind: 'length' };

/** Where a path starts: the state's data `$`, the context object `$$`, or a variable `$name`. */
export type PathRoot = { kind: 'data' } | { kind: 'context' } | { kind: 'variable'; name: string };

export interface JsonPath {
  readonly text: string;
  readonly root: PathRoot;
  readonly segments: Segment[];
  readonly definite: boolean;
}

export class JsonPathSyntaxError extends Error {}

const NAME_CHARS = /[^.[\]()\s,]/;

export function parsePath(text: string): JsonPath {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError(`a path starts with '$': ${text}`);
  let i = 1;
  let root: PathRoot = { kind: 'data' };
  if (text[1] === '$') {
    root = { kind: 'context' };
    i = 2;
  } else if (i < text.length && /[A-Za-z_]/.test(text[1])) {
    let j = 1;
    while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
    root = { kind: 'variable', name: text.slice(1, j) };
    i = j;
  }
  const segments: Segment[] = [];
  while (i < text.length) {
    const c = text[i];
    if (c === '.' && text[i + 1] === '.') {
      i += 2;
      if (text[i] === '*') {
        segments.push({ kind: 'deep', name: undefined });
        i++;
      } else {
        const start = i;
        while (i < text.length && NAME_CHARS.test(text[i])) i++;
        segments.push({ kind: 'deep', name: text.slice(start, i) });
      }
    } else if (c === '.') {
      i++;
      if (text[i] === '*') {
        segments.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      const start = i;
      while (i < text.length && NAME_CHARS.test(text[i])) i++;
      const name = text.slice(start, i);
      if (name === '') throw new JsonPathSyntaxError(`empty name in ${text}`);
      if (name === 'length' && text.slice(i, i + 2) === '()') {
        segments.push({ kind: 'length' });
        i += 2;
      } else segments.push({ kind: 'name', name });
    } else if (c === '[') {
      const end = closingBracket(text, i);
      segments.push(...bracket(text.slice(i + 1, end).trim(), text));
      i = end + 1;
    } else throw new JsonPathSyntaxError(`unexpected '${c}' at ${i} in ${text}`);
  }
  const definite = segments.every((s) => s.kind === 'name' || s.kind === 'index' || s.kind === 'length');
  return { text, root, segments, definite };
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new JsonPathSyntaxError(`unclosed '[' in ${text}`);
}

function bracket(inner: string, text: string): Segment[] {
  if (inner === '*') return [{ kind: 'wildcard' }];
  if (inner.startsWith('?(') && inner.endsWith(')')) return [{ kind: 'filter', test: parseFilter(inner.slice(2, -1).trim()) }];
  if (/^-?\d+$/.test(inner)) return [{ kind: 'index', index: Number(inner) }];
  const slice = /^(-?\d*):(-?\d*)(?::(-?\d*))?$/.exec(inner);
  if (slice) {
    const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
    return [{ kind: 'slice', start: num(slice[1]), end: num(slice[2]), step: num(slice[3]) }];
  }
  const quoted = /^(['"])((?:\\.|(?!\1).)*)\1$/.exec(inner);
  // Jayway unescapes only the quote itself: `['a\\"b']` names the key a\\"b, backslash kept.
  if (quoted) return [{ kind: 'name', name: quoted[2].replaceAll(`\\${quoted[1]}`, quoted[1]) }];
  throw new JsonPathSyntaxError(`unsupported bracket [${inner}] in ${text}`);
}

/** Filters of the forms AWS's examples use: `@.a.b op literal`, `@.a` (present), joined by && and ||. */
function parseFilter(expr: string): (item: Json) => boolean {
  const ors = expr.split('||').map((part) => part.split('&&').map((term) => parseTerm(term.trim())));
  return (item) => ors.some((ands) => ands.every((t) => t(item)));
}

function parseTerm(term: string): (item: Json) => boolean {
  const m = /^@((?:\.[^\s=!<>]+|\[[^\]]*\])*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$/.exec(term);
  if (!m) throw new JsonPathSyntaxError(`unsupported filter ${term}`);
  const path = parsePath('$' + m[1]);
  const op = m[2];
  if (op === undefined) return (item) => evaluatePath(path, item).found;
  let literal: Json;
  try {
    literal = JSON.parse(m[3].replace(/^'(.*)'$/, (_, s: string) => JSON.stringify(s)));
  } catch {
    throw new JsonPathSyntaxError(`unsupported filter literal ${m[3]}`);
  }
  return (item) => {
    const r = evaluatePath(path, item);
    if (!r.found) return false;
    const v = r.value;
    switch (op) {
      case '==':
        return JSON.stringify(v) === JSON.stringify(literal);
      case '!=':
        return JSON.stringify(v) !== JSON.stringify(literal);
      default: {
        if (typeof v !== typeof literal || (typeof v !== 'number' && typeof v !== 'string')) return false;
        const a = v as number | string;
        const b = literal as number | string;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      }
    }
  };
}

export type PathResult = { found: true; value: Json } | { found: false };

/** Evaluates from an already chosen root value. */
export function evaluatePath(path: JsonPath, root: Json): PathResult {
  if (path.definite) {
    let value: Json = root;
    for (const s of path.segments) {
      const next = step(value, s);
      if (next.length === 0) return { found: false };
      value = next[0];
    }
    return { found: true, value };
  }
  let values: Json[] = [root];
  for (const s of path.segments) values = values.flatMap((v) => step(v, s));
  return { found: true, value: values };
}

function step(value: Json, s: Segment): Json[] {
  switch (s.kind) {
    case 'name':
      return isObject(value) && Object.hasOwn(value, s.name) ? [value[s.name]] : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const i = s.index < 0 ? value.length + s.index : s.index;
      return i >= 0 && i < value.length ? [value[i]] : [];
    }
    case 'wildcard':
      return Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
    case 'slice': {
      if (!Array.isArray(value)) return [];
      const n = value.length;
      const norm = (x: number | undefined, d: number) => (x === undefined ? d : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
      const out: Json[] = [];
      for (let i = norm(s.start, 0); i < norm(s.end, n); i += s.step ?? 1) out.push(value[i]);
      return out;
    }
    case 'deep': {
      const out: Json[] = [];
      const visit = (v: Json) => {
        if (Array.isArray(v)) {
          if (s.name === undefined) out.push(...v);
          v.forEach(visit);
        } else if (isObject(v)) {
          for (const [k, child] of Object.entries(v)) {
            if (s.name === undefined || k === s.name) out.push(child);
            visit(child);
          }
        }
      };
      visit(value);
      return out;
    }
    case 'filter':
      return Array.isArray(value) ? value.filter(s.test) : isObject(value) && s.test(value) ? [value] : [];
    case 'length':
      return Array.isArray(value)
        ? [value.length]
        : isObject(value)
          ? [Object.keys(value).length]
          : typeof value === 'string'
            ? [value.length]
            : [];
  }
}

/**
 * Jayway's message when a definite path matches nothing: a missing leaf is "No results for
 * path: $['a']['b']", a missing step before it "Missing property in path $['a']".
 */
export function notFoundMessage(path: JsonPath, root: Json): string {
  let value: Json = root;
  for (let i = 0; i < path.segments.length; i++) {
    const next = step(value, path.segments[i]);
    if (next.length === 0) {
      if (i === path.segments.length - 1 || path.segments[i].kind !== 'name') break;
      return `Missing property in path ${normalizedPath(path, i + 1)}`;
    }
    value = next[0];
  }
  return `No results for path: ${normalizedPath(path)}`;
}

/** Jayway's normalised form of a path (its first `length` segments), as AWS quotes it in "No results for path: $['a'][0]". */
export function normalizedPath(path: JsonPath, length = path.segments.length): string {
  let out = path.root.kind === 'context' ? '$$' : path.root.kind === 'variable' ? `$${path.root.name}` : '$';
  for (const s of path.segments.slice(0, length)) {
    if (s.kind === 'name') out += `['${s.name}']`;
    else if (s.kind === 'index') out += `[${s.index}]`;
    else if (s.kind === 'wildcard') out += '[*]';
    else if (s.kind === 'length') out += '.length()';
    else out += '[…]';
  }
  return out;
}

/** ResultPath: put `value` at a definite path of names and indexes inside `target`, creating objects on the way. */
export function setAtPath(target: Json | undefined, path: JsonPath, value: Json): Json | undefined {
  if (path.segments.length === 0) return value;
  const [first, ...rest] = path.segments;
  const sub: JsonPath = { ...path, segments: rest };
  if (first.kind === 'name') {
    if (target !== undefined && !isObject(target)) return undefined;
    const child = setAtPath(target?.[first.name], sub, value);
    return child === undefined ? undefined : { ...target, [first.name]: child };
  }
  if (first.kind === 'index' && Array.isArray(target) && first.index < target.length) {
    const child = setAtPath(target[first.index], sub, value);
    if (child === undefined) return undefined;
    const copy = target.slice();
    copy[first.index] = child;
    return copy;
  }
  return undefined;
}
