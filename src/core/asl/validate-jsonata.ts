/**
 * Definition checks that depend on a state's query language: which fields each language
 * allows, and, in JSONata states, that every `{% %}` string compiles and reads `$states.result`
 * and `$states.errorOutput` only where AWS defines them.
 */
import { parseTimestamp } from './choice.ts';
import type { StateType } from './definition.ts';
import { isObject, type Json, type JsonObject } from './errors.ts';
import { expressionProblem, expressionText, isExpression } from './jsonata.ts';

export interface Problem {
  at: string;
  message: string;
}

/** Fields of JSONPath states that JSONata states replace with Arguments, Output, Assign and `{% %}` values. */
const JSONPATH_ONLY = [
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];

/** Fields only JSONata states take. */
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];

/** Number fields that a JSONata state may give as a `{% %}` expression instead. */
const NUMBER_OR_EXPRESSION = [
  'Seconds',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
];

/** Which parts of `$states` an expression may read where it stands. */
interface Visible {
  result: boolean;
  errorOutput: boolean;
}
const INPUT_ONLY: Visible = { result: false, errorOutput: false };

/** JSONata fields in a JSONPath state (`Arguments`, `Output`, `Items`, a rule's `Condition`, a catcher's `Output`). */
export function jsonPathStateProblems(state: JsonObject, at: string): Problem[] {
  const out: Problem[] = [];
  for (const key of JSONATA_ONLY) if (state[key] !== undefined) out.push(onlyIn(key, 'JSONata', `${at}/${key}`));
  list(state.Choices).forEach((rule, i) => {
    if (isObject(rule) && rule.Condition !== undefined) out.push(onlyIn('Condition', 'JSONata', `${at}/Choices/${i}/Condition`));
    if (isObject(rule) && rule.Output !== undefined) out.push(onlyIn('Output', 'JSONata', `${at}/Choices/${i}/Output`));
  });
  list(state.Catch).forEach((c, i) => {
    if (isObject(c) && c.Output !== undefined) out.push(onlyIn('Output', 'JSONata', `${at}/Catch/${i}/Output`));
  });
  return out;
}

export function jsonataStateProblems(type: StateType, state: JsonObject, at: string): Problem[] {
  const out: Problem[] = [];
  for (const key of JSONPATH_ONLY) if (state[key] !== undefined) out.push(onlyIn(key, 'JSONPath', `${at}/${key}`));
  const withResult: Visible = { result: type === 'Task' || type === 'Parallel' || type === 'Map', errorOutput: false };
  const expressions = (v: Json | undefined, where: string, visible: Visible) => out.push(...expressionProblems(v, where, visible));
  expressions(state.Output, `${at}/Output`, withResult);
  out.push(...assignProblems(state.Assign, `${at}/Assign`, withResult));
  for (const field of ['Arguments', 'Items', 'ItemSelector', 'ItemBatcher', 'Error', 'Cause', 'Timestamp'])
    expressions(state[field], `${at}/${field}`, INPUT_ONLY);
  for (const field of NUMBER_OR_EXPRESSION) {
    const v = state[field];
    if (v === undefined || typeof v === 'number') continue;
    if (isExpression(v)) expressions(v, `${at}/${field}`, INPUT_ONLY);
    else out.push({ at: `${at}/${field}`, message: `The field '${field}' must be a number or a JSONata expression` });
  }
  if (typeof state.Timestamp === 'string' && !isExpression(state.Timestamp) && !parseTimestamp(state.Timestamp))
    out.push({ at: `${at}/Timestamp`, message: "The field 'Timestamp' must be an RFC 3339 timestamp or a JSONata expression" });
  for (const field of ['Error', 'Cause'])
    if (state[field] !== undefined && typeof state[field] !== 'string')
      out.push({ at: `${at}/${field}`, message: `The field '${field}' must be a string or a JSONata expression` });
  list(state.Choices).forEach((rule, i) => {
    out.push(...jsonataRuleProblems(rule, `${at}/Choices/${i}`));
  });
  list(state.Catch).forEach((c, i) => {
    if (!isObject(c)) return;
    const where = `${at}/Catch/${i}`;
    if (c.ResultPath !== undefined) out.push(onlyIn('ResultPath', 'JSONPath', `${where}/ResultPath`));
    const visible = { result: false, errorOutput: true };
    expressions(c.Output, `${where}/Output`, visible);
    out.push(...assignProblems(c.Assign, `${where}/Assign`, visible));
  });
  return out;
}

/** A JSONata Choice rule: a Condition (true, false or an expression), and Next, Assign, Output, Comment; no JSONPath operators. */
function jsonataRuleProblems(rule: Json, at: string): Problem[] {
  if (!isObject(rule)) return [];
  const out: Problem[] = [];
  for (const key of Object.keys(rule))
    if (!['Condition', 'Next', 'Assign', 'Output', 'Comment'].includes(key))
      out.push({ at: `${at}/${key}`, message: `Field ${key} not allowed in a JSONata Choice rule; use Condition` });
  const c = rule.Condition;
  if (typeof c !== 'boolean' && !isExpression(c))
    out.push({ at: `${at}/Condition`, message: "A JSONata Choice rule needs the field 'Condition': true, false or a JSONata expression" });
  else out.push(...expressionProblems(c, `${at}/Condition`, INPUT_ONLY));
  out.push(...expressionProblems(rule.Output, `${at}/Output`, INPUT_ONLY));
  out.push(...assignProblems(rule.Assign, `${at}/Assign`, INPUT_ONLY));
  return out;
}

function assignProblems(assign: Json | undefined, at: string, visible: Visible): Problem[] {
  if (assign === undefined) return [];
  if (!isObject(assign)) return [{ at, message: "The field 'Assign' must be an object" }];
  const out: Problem[] = [];
  if (Object.hasOwn(assign, 'states')) out.push({ at: `${at}/states`, message: "'states' is a reserved variable name" });
  out.push(...expressionProblems(assign, at, visible));
  return out;
}

/** Every `{% %}` string in a value compiles, and reads only the `$states` fields visible where it stands. */
function expressionProblems(v: Json | undefined, at: string, visible: Visible): Problem[] {
  const out: Problem[] = [];
  const walk = (x: Json | undefined, where: string) => {
    if (Array.isArray(x)) for (const [i, y] of x.entries()) walk(y, `${where}/${i}`);
    else if (isObject(x)) for (const [k, y] of Object.entries(x)) walk(y, `${where}/${k}`);
    else if (isExpression(x)) {
      const problem = expressionProblem(x);
      if (problem) out.push({ at: where, message: `The JSONata expression '${expressionText(x)}' is not valid: ${problem}` });
      for (const name of ['result', 'errorOutput'] as const)
        if (!visible[name] && new RegExp(`\\$states\\.${name}\\b`).test(x))
          out.push({ at: where, message: `$states.${name} cannot be used in this field` });
    }
  };
  walk(v, at);
  return out;
}

function onlyIn(field: string, language: 'JSONata' | 'JSONPath', at: string): Problem {
  return { at, message: `The field '${field}' is supported only in ${language} states` };
}

function list(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}
