/** Choice rules: comparisons, And/Or/Not, the Is* tests; which rule a Choice state takes. */
import { stringMatches } from '../wildcard.ts';
import { isObject, type Json, type JsonObject, runtimeFailure } from './errors.ts';
import { cachedPath, readPath, requirePath, type Scope } from './scope.ts';

export const COMPARISONS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

const PATH_FORMS = new Set(COMPARISONS.filter((c) => !c.startsWith('Is') && c !== 'StringMatches').map((c) => `${c}Path`));

/** The operator field of a rule (`NumericEqualsPath`, `IsNull`…), or undefined. */
export function ruleOperator(rule: JsonObject): string | undefined {
  return Object.keys(rule).find((k) => (COMPARISONS as readonly string[]).includes(k) || PATH_FORMS.has(k));
}

/** RFC 3339 date-time as AWS accepts it: date, 'T', time, optional fraction, 'Z' or an offset. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A comparable key of a timestamp (epoch ms and the fraction beyond ms), or undefined when it is not one. */
export function parseTimestamp(text: string): [number, number] | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 60) return undefined;
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  if (day.getUTCDate() !== +d) return undefined;
  const digits = (frac.slice(1) + '000000000').slice(0, 9);
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) + Number(digits.slice(0, 3));
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return [ms, Number(digits.slice(3))];
}

function compareTimestamps(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function evaluateRule(rule: JsonObject, scope: Scope): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r) => evaluateRule(r as JsonObject, scope));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => evaluateRule(r as JsonObject, scope));
  if (isObject(rule.Not)) return !evaluateRule(rule.Not, scope);
  const op = ruleOperator(rule);
  if (op === undefined || typeof rule.Variable !== 'string')
    throw runtimeFailure(`A Choice rule has no comparison: ${JSON.stringify(rule)}`);
  const found = readPath(cachedPath(rule.Variable), scope);
  if (op === 'IsPresent') return found.found === rule.IsPresent;
  if (!found.found) {
    throw runtimeFailure(`Invalid path '${rule.Variable}': The choice state's condition path references an invalid value.`);
  }
  const value = found.value;
  const expected = op.endsWith('Path') ? requirePath(rule[op] as string, scope, op) : rule[op];
  return compare(op.endsWith('Path') ? op.slice(0, -4) : op, value, expected);
}

function compare(op: string, value: Json, expected: Json): boolean {
  switch (op) {
    case 'IsNull':
      return (value === null) === expected;
    case 'IsNumeric':
      return (typeof value === 'number') === expected;
    case 'IsString':
      return (typeof value === 'string') === expected;
    case 'IsBoolean':
      return (typeof value === 'boolean') === expected;
    case 'IsTimestamp':
      return (typeof value === 'string' && parseTimestamp(value) !== undefined) === expected;
    case 'BooleanEquals':
      return typeof value === 'boolean' && value === expected;
    case 'StringMatches':
      return typeof value === 'string' && typeof expected === 'string' && stringMatches(value, expected);
  }
  const sign = op.startsWith('String')
    ? typeof value === 'string' && typeof expected === 'string'
      ? value < expected
        ? -1
        : value > expected
          ? 1
          : 0
      : undefined
    : op.startsWith('Numeric')
      ? typeof value === 'number' && typeof expected === 'number'
        ? value - expected
        : undefined
      : timestampSign(value, expected);
  if (sign === undefined) return false;
  if (op.endsWith('LessThanEquals')) return sign <= 0;
  if (op.endsWith('GreaterThanEquals')) return sign >= 0;
  if (op.endsWith('LessThan')) return sign < 0;
  if (op.endsWith('GreaterThan')) return sign > 0;
  return sign === 0;
}

function timestampSign(value: Json, expected: Json): number | undefined {
  if (typeof value !== 'string' || typeof expected !== 'string') return undefined;
  const a = parseTimestamp(value);
  const b = parseTimestamp(expected);
  return a && b ? compareTimestamps(a, b) : undefined;
}

/** The first rule whose condition holds, or undefined (then Default, else States.NoChoiceMatched). */
export function chooseRule(choices: JsonObject[], scope: Scope): JsonObject | undefined {
  return choices.find((rule) => evaluateRule(rule, scope));
}
