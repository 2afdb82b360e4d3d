/**
 * Intrinsic functions (`States.Format(...)` and the rest) of JSONPath states: parsed once per
 * text, evaluated against a Scope. Bad arguments fail with States.IntrinsicFailure.
 */
import { createHash } from 'node:crypto';
import { isObject, type Json, StatesErrors, StatesFailure } from './errors.ts';
import { cachedPath, requirePath, type Scope } from './scope.ts';

export type IntrinsicArg =
  | { kind: 'literal'; value: Json }
  | { kind: 'path'; text: string }
  | { kind: 'call'; name: string; args: IntrinsicArg[] };

export class IntrinsicSyntaxError extends Error {}

export function isIntrinsic(text: string): boolean {
  return /^States\.[A-Za-z0-9]+\(/.test(text.trim());
}

export function parseIntrinsic(text: string): IntrinsicArg {
  const src = text.trim();
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const arg = (): IntrinsicArg => {
    ws();
    const c = src[i];
    if (c === "'") {
      let out = '';
      i++;
      while (i < src.length && src[i] !== "'") {
        // \' and \\ are unescaped here; \{ and \} stay escaped for States.Format to read as braces.
        if (src[i] === '\\' && src[i + 1] !== '{' && src[i + 1] !== '}') i++;
        out += src[i++];
      }
      if (src[i] !== "'") throw new IntrinsicSyntaxError(`unclosed string in ${text}`);
      i++;
      return { kind: 'literal', value: out };
    }
    if (c === '$') {
      const start = i;
      let depth = 0;
      while (i < src.length) {
        const d = src[i];
        if (d === '[' || d === '(') depth++;
        else if (d === ']' || (d === ')' && depth > 0)) depth--;
        else if ((d === ',' || d === ')') && depth === 0) break;
        i++;
      }
      const path = src.slice(start, i).trim();
      cachedPath(path);
      return { kind: 'path', text: path };
    }
    if (src.startsWith('States.', i)) return call();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(src.slice(i));
    if (!m) throw new IntrinsicSyntaxError(`unexpected '${src.slice(i, i + 10)}' in ${text}`);
    i += m[0].length;
    return { kind: 'literal', value: JSON.parse(m[0]) };
  };
  const call = (): IntrinsicArg => {
    const m = /^States\.([A-Za-z0-9]+)\(/.exec(src.slice(i));
    if (!m) throw new IntrinsicSyntaxError(`expected a function in ${text}`);
    if (!Object.hasOwn(FUNCTIONS, m[1])) throw new IntrinsicSyntaxError(`unknown intrinsic function States.${m[1]}`);
    i += m[0].length;
    const args: IntrinsicArg[] = [];
    ws();
    if (src[i] === ')') {
      i++;
      return { kind: 'call', name: m[1], args };
    }
    for (;;) {
      args.push(arg());
      ws();
      if (src[i] === ',') i++;
      else if (src[i] === ')') {
        i++;
        return { kind: 'call', name: m[1], args };
      } else throw new IntrinsicSyntaxError(`expected ',' or ')' in ${text}`);
    }
  };
  const result = call();
  ws();
  if (i !== src.length) throw new IntrinsicSyntaxError(`unexpected text after the call in ${text}`);
  return result;
}

const cache = new Map<string, IntrinsicArg>();

export function evaluateIntrinsic(text: string, scope: Scope, field: string): Json {
  let expr = cache.get(text);
  if (!expr) {
    expr = parseIntrinsic(text);
    if (cache.size > 10_000) cache.clear();
    cache.set(text, expr);
  }
  return evaluate(expr, scope, field);
}

function evaluate(expr: IntrinsicArg, scope: Scope, field: string): Json {
  if (expr.kind === 'literal') return expr.value;
  if (expr.kind === 'path') return requirePath(expr.text, scope, field);
  const args = expr.args.map((a) => evaluate(a, scope, field));
  return FUNCTIONS[expr.name](args, scope);
}

function fail(message: string): never {
  throw new StatesFailure(StatesErrors.IntrinsicFailure, message);
}

function arity(name: string, args: Json[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    fail(`Function States.${name} expects ${min === max ? min : `${min}-${max}`} arguments, got ${args.length}`);
}

function str(name: string, v: Json): string {
  if (typeof v !== 'string') fail(`Function States.${name} expects a string argument, got ${JSON.stringify(v)}`);
  return v;
}

function arr(name: string, v: Json): Json[] {
  if (!Array.isArray(v)) fail(`Function States.${name} expects an array argument, got ${JSON.stringify(v)}`);
  return v;
}

function int(name: string, v: Json): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`Function States.${name} expects an integer argument, got ${JSON.stringify(v)}`);
  return v;
}

function num(name: string, v: Json): number {
  if (typeof v !== 'number') fail(`Function States.${name} expects a number argument, got ${JSON.stringify(v)}`);
  return v;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** AWS formats a Format argument as Java prints it: objects `{a=1, b=[]}`, arrays `[1, 2]`. */
function formatArg(v: Json): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(formatArg).join(', ')}]`;
  if (isObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${formatArg(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

/** Deep equality of JSON values, keys in any order. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

const FUNCTIONS: Record<string, (args: Json[], scope: Scope) => Json> = {
  Format(args) {
    if (args.length < 1) fail('Function States.Format expects at least 1 argument');
    const template = str('Format', args[0]);
    const values = args.slice(1);
    let next = 0;
    let out = '';
    for (let i = 0; i < template.length; i++) {
      if (template[i] === '\\' && i + 1 < template.length) out += template[++i];
      else if (template[i] === '{' && template[i + 1] === '}') {
        if (next >= values.length) fail('Function States.Format has more placeholders than arguments');
        out += formatArg(values[next++]);
        i++;
      } else out += template[i];
    }
    if (next !== values.length) fail('Function States.Format has more arguments than placeholders');
    return out;
  },
  StringToJson(args) {
    arity('StringToJson', args, 1);
    const s = str('StringToJson', args[0]);
    if (s.trim() === '') return null;
    try {
      return JSON.parse(s);
    } catch {
      return fail(`Function States.StringToJson could not parse ${JSON.stringify(s)}`);
    }
  },
  JsonToString(args) {
    arity('JsonToString', args, 1);
    return JSON.stringify(args[0]);
  },
  Array(args) {
    return args;
  },
  ArrayPartition(args) {
    arity('ArrayPartition', args, 2);
    const a = arr('ArrayPartition', args[0]);
    const size = int('ArrayPartition', args[1]);
    if (size <= 0) fail('Function States.ArrayPartition expects a chunk size greater than 0');
    const out: Json[] = [];
    for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
    return out;
  },
  ArrayContains(args) {
    arity('ArrayContains', args, 2);
    return arr('ArrayContains', args[0]).some((x) => jsonEqual(x, args[1]));
  },
  ArrayRange(args) {
    arity('ArrayRange', args, 3);
    const [start, end, step] = args.map((a) => int('ArrayRange', a));
    if (step === 0) fail('Function States.ArrayRange expects a step other than 0');
    const out: number[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      out.push(v);
      if (out.length > 1000) fail('Function States.ArrayRange cannot produce more than 1000 items');
    }
    return out;
  },
  ArrayGetItem(args) {
    arity('ArrayGetItem', args, 2);
    const a = arr('ArrayGetItem', args[0]);
    const i = int('ArrayGetItem', args[1]);
    if (i < 0 || i >= a.length) fail(`Function States.ArrayGetItem index ${i} is out of bounds`);
    return a[i];
  },
  ArrayLength(args) {
    arity('ArrayLength', args, 1);
    return arr('ArrayLength', args[0]).length;
  },
  ArrayUnique(args) {
    arity('ArrayUnique', args, 1);
    const out: Json[] = [];
    for (const x of arr('ArrayUnique', args[0])) if (!out.some((y) => jsonEqual(x, y))) out.push(x);
    return out;
  },
  Base64Encode(args) {
    arity('Base64Encode', args, 1);
    const s = str('Base64Encode', args[0]);
    if (s.length > 10_000) fail('Function States.Base64Encode accepts at most 10000 characters');
    return Buffer.from(s, 'utf8').toString('base64');
  },
  Base64Decode(args) {
    arity('Base64Decode', args, 1);
    const s = str('Base64Decode', args[0]);
    if (s.length > 10_000) fail('Function States.Base64Decode accepts at most 10000 characters');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  Hash(args) {
    arity('Hash', args, 2);
    const algorithm = HASHES[str('Hash', args[1])];
    if (!algorithm)
      fail(`Function States.Hash does not know the algorithm ${JSON.stringify(args[1])}; use one of ${Object.keys(HASHES).join(', ')}`);
    const data = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    return createHash(algorithm).update(data, 'utf8').digest('hex');
  },
  JsonMerge(args) {
    arity('JsonMerge', args, 3);
    const [a, b, deep] = args;
    if (!isObject(a) || !isObject(b)) fail('Function States.JsonMerge expects two objects');
    if (deep !== false) fail('Function States.JsonMerge supports only a shallow merge (false)');
    return { ...a, ...b };
  },
  MathRandom(args, scope) {
    arity('MathRandom', args, 2, 3);
    const start = Math.round(num('MathRandom', args[0]));
    const end = Math.round(num('MathRandom', args[1]));
    return start + Math.floor(scope.random() * (end - start));
  },
  MathAdd(args) {
    arity('MathAdd', args, 2);
    // AWS rounds each operand to an integer first, half up as Java's Math.round (1.5 → 2, -1.5 → -1), as JS's does.
    return Math.round(num('MathAdd', args[0])) + Math.round(num('MathAdd', args[1]));
  },
  StringSplit(args) {
    arity('StringSplit', args, 2);
    const s = str('StringSplit', args[0]);
    const delimiters = new Set(str('StringSplit', args[1]));
    const out: string[] = [];
    let cur = '';
    for (const ch of s) {
      if (delimiters.has(ch)) {
        out.push(cur);
        cur = '';
      } else cur += ch;
    }
    out.push(cur);
    return out.filter((x) => x !== '');
  },
  UUID(args, scope) {
    arity('UUID', args, 0);
    return randomUuid(scope.random);
  },
};

/** One intrinsic by name ('ArrayPartition'), outside a JSONPath field: JSONata's $partition, $range and $hash are these. */
export function callIntrinsic(name: string, args: Json[], random: () => number): Json {
  return FUNCTIONS[name](args, { data: null, context: null, variables: {}, random });
}

/** A version 4 UUID drawn from the injected randomness. */
export function randomUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
