/**
 * Definition checks with the diagnostics of ValidateStateMachineDefinition (code, message,
 * location as a JSON pointer); CreateStateMachine refuses a definition with any of them as
 * InvalidDefinition.
 */
import { type StateType, STATE_TYPES } from './definition.ts';
import { isObject, type Json, type JsonObject } from './errors.ts';
import {
  ALLOWED_FIELDS,
  errorEqualsProblems,
  JSONATA_ONLY_FIELDS,
  JSONPATH_ONLY_FIELDS,
  pathProblem,
  resourceProblem,
  resultPathProblem,
  ruleProblems,
  templateProblems,
} from './validate-fields.ts';
import { itemReaderProblems, resultWriterProblems } from './validate-map-io.ts';
import { jsonataStateProblems, jsonPathStateProblems, languageFieldMessage, type Problem } from './validate-jsonata.ts';

export const DiagnosticCodes = {
  SchemaValidationFailed: 'SCHEMA_VALIDATION_FAILED',
  MissingTransitionTarget: 'MISSING_TRANSITION_TARGET',
  MissingEndState: 'MISSING_END_STATE',
  InvalidStateName: 'INVALID_STATE_NAME',
  InvalidResource: 'INVALID_RESOURCE',
  InvalidJsonDescription: 'INVALID_JSON_DESCRIPTION',
  MissingDescription: 'MISSING_DESCRIPTION',
  /** Not in the API reference's list, but the code CreateStateMachine reports for a state nothing leads to. */
  UnreachableState: 'UNREACHABLE_STATE',
  TooDeeplyNested: 'TOO_DEEPLY_NESTED',
  /** Not in the API reference's list either: a state name used twice anywhere in the machine, branches and Map processors included. */
  DuplicateStateName: 'DUPLICATE_STATE_NAME',
  /** A JSONata expression that does not parse (the message is jsonata's, without its code). */
  InvalidJsonataExpression: 'INVALID_JSONATA_EXPRESSION',
  /** A JSONata expression reading what does not exist where it stands (a top-level field name, `$$`, `$states.errorOutput` outside a Catch). */
  UnsupportedJsonataExpression: 'UNSUPPORTED_JSONATA_EXPRESSION',
} as const;
export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];

export interface Diagnostic {
  severity: 'ERROR';
  code: DiagnosticCode;
  message: string;
  location: string;
}

/** AWS's limit on a state's name. */
const MAX_STATE_NAME = 80;
/** Nesting of Parallel and Map this engine accepts before TOO_DEEPLY_NESTED. */
const MAX_DEPTH = 40;

/** Parse and check a definition given as text, as the API receives it. */
export function validateDefinitionText(text: string): Diagnostic[] {
  if (text.trim() === '') return [diagnostic('MISSING_DESCRIPTION', 'The definition is empty', '')];
  let parsed: Json;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return [diagnostic('INVALID_JSON_DESCRIPTION', (e as Error).message, '')];
  }
  return validateDefinition(parsed);
}

export function validateDefinition(definition: Json): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkMachine(definition, '', out, 0, new Set(), false, false);
  return out;
}

/** CreateStateMachine's InvalidDefinition message: each diagnostic as 'CODE: message at /location'. */
export function invalidDefinitionMessage(diagnostics: readonly Diagnostic[]): string {
  return `Invalid State Machine Definition: ${diagnostics.map((d) => `'${d.code}: ${d.message} at ${d.location || '/'}'`).join(', ')}`;
}

function diagnostic(code: DiagnosticCode, message: string, location: string): Diagnostic {
  return { severity: 'ERROR', code, message, location };
}

function schema(out: Diagnostic[], message: string, location: string): void {
  out.push(diagnostic('SCHEMA_VALIDATION_FAILED', message, location));
}

/**
 * `names` gathers every state name of the whole definition (ASL: names are unique across nested
 * machines too); `outerJsonata` is the QueryLanguage a nested machine inherits: that of the
 * machine around it, not of the Parallel or Map state (measured on AWS: a JSONata Map in a
 * JSONPath machine runs JSONPath states in its ItemProcessor); `jsonataOnly`: an enclosing machine
 * chose JSONata at its top level, which rules out JSONPath in any state below (AWS).
 */
function checkMachine(
  machine: Json,
  at: string,
  out: Diagnostic[],
  depth: number,
  names: Set<string>,
  outerJsonata: boolean,
  jsonataOnly: boolean,
): void {
  if (depth > MAX_DEPTH) {
    out.push(diagnostic('TOO_DEEPLY_NESTED', 'The states are too deeply nested', at));
    return;
  }
  if (!isObject(machine)) {
    schema(out, 'A state machine definition must be a JSON object', at);
    return;
  }
  for (const key of Object.keys(machine)) {
    if (!['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage', 'ProcessorConfig'].includes(key))
      schema(out, `Field ${key} not allowed.`, `${at}/${key}`);
  }
  checkQueryLanguage(machine.QueryLanguage, at, out, jsonataOnly);
  if (machine.TimeoutSeconds !== undefined && !positiveInteger(machine.TimeoutSeconds))
    schema(out, "The field 'TimeoutSeconds' must be a positive integer", `${at}/TimeoutSeconds`);
  const states = machine.States;
  if (!isObject(states) || Object.keys(states).length === 0) {
    schema(out, "The field 'States' must be a non-empty object", `${at}/States`);
    return;
  }
  if (typeof machine.StartAt !== 'string') schema(out, 'These fields are required: [StartAt]', at);
  else if (!Object.hasOwn(states, machine.StartAt))
    out.push(diagnostic('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${machine.StartAt}`, `${at}/StartAt`));
  const jsonata = isJsonata(machine.QueryLanguage, outerJsonata);
  const only = jsonataOnly || (at === '' && jsonata);
  for (const [name, state] of Object.entries(states)) {
    const where = `${at}/States/${name}`;
    if (name.length === 0 || name.length > MAX_STATE_NAME)
      out.push(diagnostic('INVALID_STATE_NAME', `State names must be 1 to ${MAX_STATE_NAME} characters long: ${name}`, where));
    if (names.has(name)) out.push(diagnostic('DUPLICATE_STATE_NAME', `Duplicate State name: ${name}`, where));
    names.add(name);
    checkState(name, state, states, where, out, { depth, names, jsonata, jsonataOnly: only });
  }
  checkGraph(machine as { StartAt?: Json; States: JsonObject }, at, out);
}

/** AWS reads a QueryLanguage as JSONPath only when it is exactly 'JSONPath'; any other value given is JSONata (and refused apart). */
function isJsonata(v: Json | undefined, inherited: boolean): boolean {
  return v === undefined ? inherited : v !== 'JSONPath';
}

function checkQueryLanguage(v: Json | undefined, at: string, out: Diagnostic[], jsonataOnly: boolean): void {
  if (v === undefined) return;
  if (v !== 'JSONPath' && v !== 'JSONata') schema(out, "The field 'QueryLanguage' must be 'JSONPath' or 'JSONata'", `${at}/QueryLanguage`);
  else if (v === 'JSONPath' && jsonataOnly)
    schema(out, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", at);
}

function report(out: Diagnostic[], problems: Problem[]): void {
  for (const p of problems) out.push(diagnostic(p.code ?? 'SCHEMA_VALIDATION_FAILED', p.message, p.at));
}

function positiveInteger(v: Json): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

interface Nesting {
  depth: number;
  names: Set<string>;
  /** The machine's QueryLanguage is JSONata (its own or inherited). */
  jsonata: boolean;
  /** Some enclosing machine's own QueryLanguage is JSONata: no state below may say JSONPath. */
  jsonataOnly: boolean;
}

function checkState(name: string, state: Json, states: JsonObject, at: string, out: Diagnostic[], nesting: Nesting): void {
  if (!isObject(state)) {
    schema(out, `The state '${name}' must be a JSON object`, at);
    return;
  }
  const type = state.Type;
  if (typeof type !== 'string' || !(STATE_TYPES as readonly string[]).includes(type)) {
    schema(out, `The value for the field 'Type' must be one of: ${STATE_TYPES.join(', ')}`, `${at}/Type`);
    return;
  }
  const t = type as StateType;
  const jsonata = isJsonata(state.QueryLanguage, nesting.jsonata);
  for (const key of Object.keys(state)) {
    if (!ALLOWED_FIELDS[t].has(key)) schema(out, `Field ${key} not allowed.`, `${at}/${key}`);
    // Where AWS points: at the JSONPath field of a JSONata state, at a JSONPath state with a JSONata field.
    else if (jsonata && JSONPATH_ONLY_FIELDS.has(key)) schema(out, languageFieldMessage(key, 'JSONata'), `${at}/${key}`);
    else if (!jsonata && JSONATA_ONLY_FIELDS.has(key)) schema(out, languageFieldMessage(key, 'JSONPath'), at);
  }
  checkQueryLanguage(state.QueryLanguage, at, out, nesting.jsonataOnly);
  const inner = (machine: Json, where: string) =>
    checkMachine(machine, where, out, nesting.depth + 1, nesting.names, nesting.jsonata, nesting.jsonataOnly);
  checkFlow(t, state, states, at, out);
  if (jsonata) report(out, jsonataStateProblems(t, state, at));
  else {
    checkPaths(t, state, at, out);
    report(out, jsonPathStateProblems(state, at));
  }
  for (const field of ['Retry', 'Catch'] as const) {
    const list = state[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      schema(out, `The field '${field}' must be an array`, `${at}/${field}`);
      continue;
    }
    list.forEach((item, i) => {
      for (const p of errorEqualsProblems(item, `${at}/${field}/${i}`, i === list.length - 1)) schema(out, p.message, p.at);
      if (field === 'Retry') checkRetrier(item as JsonObject, `${at}/Retry/${i}`, out);
      else checkTarget((item as JsonObject).Next, states, `${at}/Catch/${i}/Next`, out);
    });
  }
  switch (t) {
    case 'Choice': {
      const choices = state.Choices;
      if (!Array.isArray(choices) || choices.length === 0) schema(out, "The field 'Choices' must be a non-empty array", `${at}/Choices`);
      else
        choices.forEach((rule, i) => {
          // A JSONata rule's Condition is checked with the state's other expressions.
          if (!jsonata) for (const p of ruleProblems(rule, `${at}/Choices/${i}`, true)) schema(out, p.message, p.at);
          else if (!isObject(rule) || typeof rule.Next !== 'string')
            schema(out, "A Choice rule at the top level needs the field 'Next'", `${at}/Choices/${i}`);
          if (isObject(rule) && rule.Next !== undefined) checkTarget(rule.Next, states, `${at}/Choices/${i}/Next`, out);
        });
      if (state.Default !== undefined) checkTarget(state.Default, states, `${at}/Default`, out);
      break;
    }
    case 'Wait': {
      const given = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter((k) => state[k] !== undefined);
      if (given.length !== 1) schema(out, 'A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath', at);
      break;
    }
    case 'Fail':
      if (state.Error !== undefined && state.ErrorPath !== undefined) schema(out, 'A Fail state takes Error or ErrorPath, not both', at);
      if (state.Cause !== undefined && state.CausePath !== undefined) schema(out, 'A Fail state takes Cause or CausePath, not both', at);
      break;
    case 'Task':
      if (typeof state.Resource !== 'string') schema(out, 'These fields are required: [Resource]', at);
      else {
        const problem = resourceProblem(state.Resource);
        if (problem) out.push(diagnostic('INVALID_RESOURCE', problem, `${at}/Resource`));
      }
      if (state.Credentials !== undefined) {
        if (!isObject(state.Credentials)) schema(out, "The field 'Credentials' must be an object", `${at}/Credentials`);
        else if (!jsonata) for (const p of templateProblems(state.Credentials, `${at}/Credentials`)) schema(out, p.message, p.at);
      }
      exclusive(state, 'TimeoutSeconds', 'TimeoutSecondsPath', at, out);
      exclusive(state, 'HeartbeatSeconds', 'HeartbeatSecondsPath', at, out);
      if (
        typeof state.TimeoutSeconds === 'number' &&
        typeof state.HeartbeatSeconds === 'number' &&
        state.HeartbeatSeconds >= state.TimeoutSeconds
      ) {
        schema(out, 'HeartbeatSeconds must be smaller than TimeoutSeconds', `${at}/HeartbeatSeconds`);
      }
      break;
    case 'Parallel': {
      const branches = state.Branches;
      if (!Array.isArray(branches) || branches.length === 0)
        schema(out, "The field 'Branches' must be a non-empty array", `${at}/Branches`);
      else for (const [i, b] of branches.entries()) inner(b, `${at}/Branches/${i}`);
      break;
    }
    case 'Map': {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (state.ItemProcessor !== undefined && state.Iterator !== undefined)
        schema(out, 'A Map state takes ItemProcessor or Iterator, not both', at);
      if (processor === undefined) schema(out, 'These fields are required: [ItemProcessor]', at);
      else {
        const where = `${at}/${state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator'}`;
        // Measured on AWS: an ItemProcessor takes its machine's QueryLanguage and cannot name one.
        if (isObject(processor) && processor.QueryLanguage !== undefined) schema(out, "Field 'QueryLanguage' is not supported", where);
        inner(processor, where);
      }
      checkMap(state, at, out, jsonata);
      break;
    }
  }
}

function checkMap(state: JsonObject, at: string, out: Diagnostic[], jsonata: boolean): void {
  exclusive(state, 'ItemSelector', 'Parameters', at, out);
  exclusive(state, 'Items', 'ItemsPath', at, out);
  exclusive(state, 'MaxConcurrency', 'MaxConcurrencyPath', at, out);
  exclusive(state, 'ToleratedFailureCount', 'ToleratedFailureCountPath', at, out);
  exclusive(state, 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', at, out);
  const number = (field: string, ok: (v: number) => boolean, rule: string) => {
    const v = state[field];
    if (typeof v === 'number' && !ok(v)) schema(out, `The field '${field}' ${rule}`, `${at}/${field}`);
  };
  number('MaxConcurrency', (v) => Number.isInteger(v) && v >= 0, 'must be a non-negative integer');
  number('ToleratedFailureCount', (v) => Number.isInteger(v) && v >= 0, 'must be a non-negative integer');
  number('ToleratedFailurePercentage', (v) => v >= 0 && v <= 100, 'must be a number from 0 to 100');
  if (state.ItemReader !== undefined) {
    report(out, itemReaderProblems(state.ItemReader, `${at}/ItemReader`, jsonata));
    const config = isObject(state.ItemReader) ? state.ItemReader.ReaderConfig : undefined;
    if (isObject(config)) exclusive(config, 'MaxItems', 'MaxItemsPath', `${at}/ItemReader/ReaderConfig`, out);
  }
  if (isObject(state.ItemBatcher)) {
    exclusive(state.ItemBatcher, 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', `${at}/ItemBatcher`, out);
    exclusive(state.ItemBatcher, 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath', `${at}/ItemBatcher`, out);
  }
  if (state.ResultWriter !== undefined) report(out, resultWriterProblems(state.ResultWriter, `${at}/ResultWriter`, jsonata));
}

function exclusive(state: JsonObject, a: string, b: string, at: string, out: Diagnostic[]): void {
  if (state[a] !== undefined && state[b] !== undefined) schema(out, `A state takes ${a} or ${b}, not both`, at);
}

function checkTarget(target: Json | undefined, states: JsonObject, at: string, out: Diagnostic[]): void {
  if (typeof target !== 'string') schema(out, 'A transition target must be a state name', at);
  else if (!Object.hasOwn(states, target)) out.push(diagnostic('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${target}`, at));
}

/** Pass, Task, Wait, Parallel and Map go on by Next or stop by End (one of them); Choice, Succeed and Fail take neither. */
function checkFlow(type: StateType, state: JsonObject, states: JsonObject, at: string, out: Diagnostic[]): void {
  const terminal = type === 'Choice' || type === 'Succeed' || type === 'Fail';
  if (terminal) {
    if (state.Next !== undefined || state.End !== undefined) schema(out, `A ${type} state takes neither Next nor End`, at);
    return;
  }
  if (state.End !== undefined && state.End !== true) schema(out, "The field 'End' must be true when present", `${at}/End`);
  if (state.Next !== undefined && state.End === true) schema(out, 'A state takes Next or End, not both', at);
  else if (state.Next === undefined && state.End !== true) schema(out, 'This state needs the field Next or End: true', at);
  else if (state.Next !== undefined) checkTarget(state.Next, states, `${at}/Next`, out);
}

function checkPaths(type: StateType, state: JsonObject, at: string, out: Diagnostic[]): void {
  for (const field of ['InputPath', 'OutputPath']) {
    const v = state[field];
    if (v !== undefined && v !== null) {
      const p = pathProblem(v);
      if (p) schema(out, `The field '${field}' ${p}`, `${at}/${field}`);
    }
  }
  if (state.ResultPath !== undefined && state.ResultPath !== null) {
    const p = resultPathProblem(state.ResultPath);
    if (p) schema(out, `The field 'ResultPath' ${p}`, `${at}/ResultPath`);
  }
  for (const field of [
    'ItemsPath',
    'SecondsPath',
    'TimestampPath',
    'MaxConcurrencyPath',
    'ToleratedFailureCountPath',
    'ToleratedFailurePercentagePath',
  ]) {
    if (state[field] === undefined) continue;
    const p = pathProblem(state[field]);
    if (p) schema(out, `The field '${field}' ${p}`, `${at}/${field}`);
  }
  const templates = type === 'Pass' ? ['Parameters', 'Assign'] : ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign'];
  for (const field of templates) for (const p of templateProblems(state[field], `${at}/${field}`)) schema(out, p.message, p.at);
}

function checkRetrier(r: JsonObject, at: string, out: Diagnostic[]): void {
  if (!isObject(r)) return;
  const check = (field: string, ok: (v: Json) => boolean, rule: string) => {
    if (r[field] !== undefined && !ok(r[field])) schema(out, `The field '${field}' ${rule}`, `${at}/${field}`);
  };
  const int = (v: Json) => typeof v === 'number' && Number.isInteger(v);
  check('IntervalSeconds', (v) => int(v) && (v as number) >= 1, 'must be an integer of at least 1');
  check('MaxAttempts', (v) => int(v) && (v as number) >= 0, 'must be a non-negative integer');
  check('BackoffRate', (v) => typeof v === 'number' && v >= 1, 'must be a number of at least 1.0');
  check('MaxDelaySeconds', (v) => int(v) && (v as number) >= 1, 'must be a positive integer');
  check('JitterStrategy', (v) => v === 'FULL' || v === 'NONE', "must be 'FULL' or 'NONE'");
}

/** Every state must be reachable from StartAt, and some terminal state must exist. */
function checkGraph(machine: { StartAt?: Json; States: JsonObject }, at: string, out: Diagnostic[]): void {
  const states = machine.States;
  const seen = new Set<string>();
  const queue = typeof machine.StartAt === 'string' && Object.hasOwn(states, machine.StartAt) ? [machine.StartAt] : [];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const s = states[name];
    if (!isObject(s)) continue;
    const targets: Json[] = [s.Next ?? null, s.Default ?? null];
    if (Array.isArray(s.Choices)) for (const c of s.Choices) if (isObject(c)) targets.push(c.Next ?? null);
    if (Array.isArray(s.Catch)) for (const c of s.Catch) if (isObject(c)) targets.push(c.Next ?? null);
    for (const t of targets) if (typeof t === 'string' && Object.hasOwn(states, t)) queue.push(t);
  }
  if (queue.length === 0 && seen.size === 0) return;
  for (const name of Object.keys(states)) {
    if (!seen.has(name)) out.push(diagnostic('UNREACHABLE_STATE', `State '${name}' is not reachable`, `${at}/States/${name}`));
  }
  const terminal = Object.values(states).some((s) => isObject(s) && (s.End === true || s.Type === 'Succeed' || s.Type === 'Fail'));
  if (!terminal) out.push(diagnostic('MISSING_END_STATE', 'The state machine has no terminal state', at || '/'));
}
