/** Which fields each state type accepts, and checks of the values of paths, templates and Choice rules. */
import { COMPARISONS, parseTimestamp } from './choice.ts';
import type { StateType } from './definition.ts';
import { isObject, type Json, type JsonObject } from './errors.ts';
import { type IntrinsicArg, isIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { parsePath } from './jsonpath.ts';

const COMMON = ['Type', 'Comment', 'QueryLanguage', 'Assign', 'Output'];
const FLOW = ['Next', 'End'];
const IO = ['InputPath', 'OutputPath'];
const ERRORS = ['Retry', 'Catch'];

/** Fields only a JSONPath state takes; a JSONata state refuses them (AWS: its five I/O fields become Arguments and Output). */
export const JSONPATH_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
  'ErrorPath',
  'CausePath',
]);
/** Fields only a JSONata state takes. */
export const JSONATA_ONLY_FIELDS: ReadonlySet<string> = new Set(['Arguments', 'Output', 'Items']);

export const ALLOWED_FIELDS: Record<StateType, ReadonlySet<string>> = {
  Pass: new Set([...COMMON, ...FLOW, ...IO, 'Parameters', 'Result', 'ResultPath']),
  Task: new Set([
    ...COMMON,
    ...FLOW,
    ...IO,
    ...ERRORS,
    'Resource',
    'Parameters',
    'Arguments',
    'ResultSelector',
    'ResultPath',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
  ]),
  Choice: new Set([...COMMON, ...IO, 'Choices', 'Default']),
  Wait: new Set([...COMMON, ...FLOW, ...IO, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']),
  Succeed: new Set([...COMMON, ...IO]),
  Fail: new Set(['Type', 'Comment', 'QueryLanguage', 'Error', 'ErrorPath', 'Cause', 'CausePath']),
  Parallel: new Set([...COMMON, ...FLOW, ...IO, ...ERRORS, 'Branches', 'Parameters', 'Arguments', 'ResultSelector', 'ResultPath']),
  Map: new Set([
    ...COMMON,
    ...FLOW,
    ...IO,
    ...ERRORS,
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'Parameters',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ResultSelector',
    'ResultPath',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
  ]),
};

/** undefined when `text` is a JSONPath (or `$var` reference) the engine can evaluate, else why not. */
export function pathProblem(text: Json | undefined, definite = false): string | undefined {
  if (typeof text !== 'string') return 'must be a JSONPath string';
  try {
    const p = parsePath(text);
    if (definite && !p.definite) return `is not a Reference Path: ${text}`;
    return undefined;
  } catch (e) {
    return `is not a valid JSONPath: ${(e as Error).message}`;
  }
}

/**
 * undefined when a Task's Resource is an ARN CreateStateMachine takes: `arn:partition:service:region:account:resource`,
 * and for a Lambda function a name with an optional version or alias (`$LATEST`, digits, letters, `-`, `_`).
 */
export function resourceProblem(resource: string): string | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):([a-z0-9-]+):([a-z0-9-]*):(\d*):(.+)$/.exec(resource);
  if (!m || /[:/]$/.test(m[5])) return `Invalid Resource: ${resource}`;
  if (m[2] === 'lambda' && m[5].startsWith('function:') && !/^function:[A-Za-z0-9_-]+(:(\$LATEST|[A-Za-z0-9_-]+))?$/.test(m[5]))
    return `Invalid Lambda function ARN: ${resource}`;
  return undefined;
}

/** undefined when `text` is a path ResultPath may write to: a Reference Path into the state's data (`$`), never `$$` or a variable. */
export function resultPathProblem(text: Json | undefined): string | undefined {
  const problem = pathProblem(text, true);
  if (problem) return problem;
  return parsePath(text as string).root.kind === 'data' ? undefined : `must start with '$.' or be '$': ${text as string}`;
}

/** Argument positions of intrinsic functions that take only numbers: a literal of another type there can never work. */
const NUMERIC_ARGUMENTS: Record<string, readonly number[]> = {
  MathAdd: [0, 1],
  MathRandom: [0, 1, 2],
  ArrayRange: [0, 1, 2],
  ArrayGetItem: [1],
  ArrayPartition: [1],
};

function intrinsicArgumentProblem(expr: IntrinsicArg): string | undefined {
  if (expr.kind !== 'call') return undefined;
  for (const [i, arg] of expr.args.entries()) {
    if (arg.kind === 'literal' && NUMERIC_ARGUMENTS[expr.name]?.includes(i) && typeof arg.value !== 'number')
      return `States.${expr.name} takes a number or a path as argument ${i + 1}, not ${JSON.stringify(arg.value)}`;
    const inner = intrinsicArgumentProblem(arg);
    if (inner) return inner;
  }
  return undefined;
}

/** Problems of a payload template: every `.$` key holds a valid path or intrinsic function. */
export function templateProblems(template: Json | undefined, at: string): { at: string; message: string }[] {
  const out: { at: string; message: string }[] = [];
  const walk = (v: Json | undefined, where: string) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${where}/${i}`);
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k.endsWith('.$') && Object.hasOwn(v, k.slice(0, -2)))
          out.push({ at: `${where}/${k}`, message: `The field '${k.slice(0, -2)}' is given twice, as '${k.slice(0, -2)}' and as '${k}'` });
        if (!k.endsWith('.$')) walk(x, `${where}/${k}`);
        else if (typeof x !== 'string')
          out.push({
            at: `${where}/${k}`,
            message: `The value for the field '${k}' must be a STRING that contains a JSONPath but was ${JSON.stringify(x)}`,
          });
        else if (isIntrinsic(x)) {
          try {
            const problem = intrinsicArgumentProblem(parseIntrinsic(x));
            if (problem)
              out.push({ at: `${where}/${k}`, message: `The value for the field '${k}' must be a valid intrinsic function: ${problem}` });
          } catch (e) {
            out.push({
              at: `${where}/${k}`,
              message: `The value for the field '${k}' must be a valid intrinsic function: ${(e as Error).message}`,
            });
          }
        } else {
          const problem = pathProblem(x);
          if (problem) out.push({ at: `${where}/${k}`, message: `The value for the field '${k}' ${problem}` });
        }
      }
    }
  };
  walk(template, at);
  return out;
}

const IS_TESTS = new Set(['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp']);

/** Problems of one Choice rule; top-level rules need Next, nested ones must not have it. */
export function ruleProblems(rule: Json, at: string, topLevel: boolean): { at: string; message: string }[] {
  if (!isObject(rule)) return [{ at, message: 'A Choice rule must be an object' }];
  const out: { at: string; message: string }[] = [];
  if (topLevel && typeof rule.Next !== 'string') out.push({ at, message: "A Choice rule at the top level needs the field 'Next'" });
  if (!topLevel && rule.Next !== undefined)
    out.push({ at: `${at}/Next`, message: "Only top-level Choice rules may have the field 'Next'" });
  if (rule.Condition !== undefined) return out;
  const combinators = ['And', 'Or', 'Not'].filter((k) => rule[k] !== undefined);
  const ops = Object.keys(rule).filter((k) => (COMPARISONS as readonly string[]).includes(k) || k.endsWith('Path'));
  if (combinators.length + ops.length !== 1) {
    out.push({ at, message: 'A Choice rule needs exactly one comparison operator, or And, Or or Not' });
    return out;
  }
  if (combinators.length === 1) {
    const c = combinators[0];
    const inner = rule[c];
    if (rule.Variable !== undefined) out.push({ at: `${at}/Variable`, message: `A rule with ${c} takes no Variable` });
    if (c === 'Not') out.push(...ruleProblems(inner, `${at}/Not`, false));
    else if (!Array.isArray(inner) || inner.length === 0) out.push({ at: `${at}/${c}`, message: `${c} needs a non-empty array of rules` });
    else for (const [i, r] of inner.entries()) out.push(...ruleProblems(r, `${at}/${c}/${i}`, false));
    return out;
  }
  const operator = ops[0];
  // AWS: Variable and the *Path operands must be reference paths (names and indexes only).
  const problem = pathProblem(rule.Variable, true);
  if (problem) out.push({ at: `${at}/Variable`, message: `The field 'Variable' ${problem}` });
  const value = rule[operator];
  const bad = operatorValueProblem(operator, value);
  if (bad) out.push({ at: `${at}/${operator}`, message: bad });
  return out;
}

function operatorValueProblem(op: string, value: Json): string | undefined {
  if (op.endsWith('Path')) {
    const p = pathProblem(value, true);
    return p && `The field '${op}' ${p}`;
  }
  if (IS_TESTS.has(op) || op === 'BooleanEquals')
    return typeof value === 'boolean' ? undefined : `The value for the field '${op}' must be a BOOLEAN`;
  if (op.startsWith('Numeric')) return typeof value === 'number' ? undefined : `The value for the field '${op}' must be a NUMBER`;
  if (op.startsWith('String')) return typeof value === 'string' ? undefined : `The value for the field '${op}' must be a STRING`;
  if (op.startsWith('Timestamp')) {
    return typeof value === 'string' && parseTimestamp(value)
      ? undefined
      : `The value for the field '${op}' must be a valid RFC 3339 timestamp`;
  }
  return `Unknown comparison operator ${op}`;
}

export function errorEqualsProblems(list: Json, at: string, isLast: boolean): { at: string; message: string }[] {
  if (!isObject(list)) return [{ at, message: 'A retrier or catcher must be an object' }];
  const equals = (list as JsonObject).ErrorEquals;
  if (!Array.isArray(equals) || equals.length === 0 || !equals.every((e) => typeof e === 'string')) {
    return [{ at: `${at}/ErrorEquals`, message: "The field 'ErrorEquals' must be a non-empty array of error names" }];
  }
  if (equals.includes('States.ALL') && equals.length > 1) {
    return [{ at: `${at}/ErrorEquals`, message: 'States.ALL must appear alone in ErrorEquals' }];
  }
  if (equals.includes('States.ALL') && !isLast)
    return [{ at: `${at}/ErrorEquals`, message: 'States.ALL must appear in the last retrier or catcher' }];
  return [];
}
