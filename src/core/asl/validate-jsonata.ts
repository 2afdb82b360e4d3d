/**
 * Definition checks that depend on a state's query language: the JSONata fields inside a
 * JSONPath state, and in a JSONata state that every `{% %}` string parses
 * (INVALID_JSONATA_EXPRESSION) and reads only what AWS lets it read where it stands
 * (UNSUPPORTED_JSONATA_EXPRESSION: no field name or `$` at the top level, no `$$`,
 * `$states.result` and `$states.errorOutput` only where they exist). The messages are AWS's.
 */
import type jsonata from 'jsonata';
import { parseTimestamp } from './choice.ts';
import type { QueryLanguage, StateType } from './definition.ts';
import { isObject, type Json, type JsonObject } from './errors.ts';
import { isExpression, parseExpression } from './jsonata.ts';

export interface Problem {
  at: string;
  message: string;
  /** SCHEMA_VALIDATION_FAILED when absent. */
  code?: 'INVALID_JSONATA_EXPRESSION' | 'UNSUPPORTED_JSONATA_EXPRESSION' | 'INVALID_RESOURCE';
}

/** AWS's words for a field the state's query language does not have. */
export function languageFieldMessage(field: string, language: QueryLanguage): string {
  const other = language === 'JSONata' ? 'JSONPath' : 'JSONata';
  return `The QueryLanguage is set to '${language}', but field '${field}' is only supported for the '${other}' QueryLanguage`;
}

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

/**
 * JSONata fields inside a JSONPath state: a rule's `Condition` or `Output`, a catcher's `Output`
 * (validate.ts refuses the state's own, JSONATA_ONLY_FIELDS).
 */
export function jsonPathStateProblems(state: JsonObject, at: string): Problem[] {
  const out: Problem[] = [];
  list(state.Choices).forEach((rule, i) => {
    for (const field of ['Condition', 'Output'])
      if (isObject(rule) && rule[field] !== undefined)
        out.push({ at: `${at}/Choices/${i}`, message: languageFieldMessage(field, 'JSONPath') });
  });
  list(state.Catch).forEach((c, i) => {
    if (isObject(c) && c.Output !== undefined) out.push({ at: `${at}/Catch/${i}`, message: languageFieldMessage('Output', 'JSONPath') });
  });
  return out;
}

/** A JSONata state's expressions and Choice rules, and its catchers (validate.ts refuses its JSONPath fields, JSONPATH_ONLY_FIELDS). */
export function jsonataStateProblems(type: StateType, state: JsonObject, at: string): Problem[] {
  const out: Problem[] = [];
  // A Pass state's Result is JSONPath's: a JSONata Pass writes its Output (AWS refuses Result there).
  if (state.Result !== undefined) out.push({ at: `${at}/Result`, message: languageFieldMessage('Result', 'JSONata') });
  const withResult: Visible = { result: type === 'Task' || type === 'Parallel' || type === 'Map', errorOutput: false };
  const expressions = (v: Json | undefined, where: string, visible: Visible) => out.push(...expressionProblems(v, where, visible));
  expressions(state.Output, `${at}/Output`, withResult);
  out.push(...assignProblems(state.Assign, `${at}/Assign`, withResult));
  for (const field of ['Arguments', 'Items', 'ItemSelector', 'ItemBatcher', 'Error', 'Cause', 'Timestamp'])
    expressions(state[field], `${at}/${field}`, INPUT_ONLY);
  // A Map's reader and writer take the state's input too: the writer's Arguments are evaluated as the Map is entered.
  for (const [outer, inner] of [
    ['ItemReader', 'Arguments'],
    ['ItemReader', 'ReaderConfig'],
    ['ResultWriter', 'Arguments'],
  ]) {
    const o = state[outer];
    if (isObject(o)) expressions(o[inner], `${at}/${outer}/${inner}`, INPUT_ONLY);
  }
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
    if (c.ResultPath !== undefined) out.push({ at: `${where}/ResultPath`, message: languageFieldMessage('ResultPath', 'JSONata') });
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

/** Every `{% %}` string in a value parses, and reads only what AWS lets it read where it stands. */
function expressionProblems(v: Json | undefined, at: string, visible: Visible): Problem[] {
  const out: Problem[] = [];
  const walk = (x: Json | undefined, where: string) => {
    if (Array.isArray(x)) for (const [i, y] of x.entries()) walk(y, `${where}/${i}`);
    else if (isObject(x)) for (const [k, y] of Object.entries(x)) walk(y, `${where}/${k}`);
    else if (isExpression(x)) {
      const parsed = parseExpression(x);
      if ('problem' in parsed) out.push({ at: where, message: parsed.problem, code: 'INVALID_JSONATA_EXPRESSION' });
      else
        for (const message of referenceProblems(parsed.ast, visible))
          out.push({ at: where, message, code: 'UNSUPPORTED_JSONATA_EXPRESSION' });
    }
  };
  walk(v, at);
  return out;
}

/** A node of jsonata's parse tree, as far as this walk reads it (the package's typings omit path, apply and bind). */
interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  lhs?: Node | Node[][];
  rhs?: Node;
  expressions?: Node[];
  procedure?: Node;
  arguments?: Node[];
  expression?: Node;
  body?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
}

/**
 * An expression runs with no context item: the input is `$states.input`, a variable `$name`.
 * Only the first step of a path reads the top level (later steps, predicates and sort terms read
 * what the step before produced); a lambda's body keeps the top level of the expression around it.
 */
function referenceProblems(ast: jsonata.ExprNode, visible: Visible): string[] {
  const found = new Set<string>();
  const visit = (node: Node | undefined): void => {
    if (!node || typeof node !== 'object') return;
    switch (node.type) {
      case 'path': {
        const [first, second] = node.steps ?? [];
        visit(first);
        if (first?.type === 'variable' && first.value === 'states' && second?.type === 'name') statesField(String(second.value));
        return;
      }
      case 'name':
        found.add(`Reference to '${String(node.value)}' at the top level is not supported.`);
        return;
      case 'variable':
        // `$` is the context item; `$$` parses as a variable named '$'.
        if (node.value === '') found.add("Reference to '$' at the top level is not supported.");
        else if (node.value === '$') found.add("Reference to '$$' is not supported.");
        return;
      case 'unary':
        if (node.value === '{') for (const pair of (node.lhs ?? []) as Node[][]) for (const n of pair) visit(n);
        else if (node.value === '[') for (const n of node.expressions ?? []) visit(n);
        else visit(node.expression);
        return;
      case 'binary':
      case 'apply':
        visit(node.lhs as Node);
        visit(node.rhs);
        return;
      case 'bind':
        visit(node.rhs);
        return;
      case 'function':
      case 'partial':
        visit(node.procedure);
        for (const n of node.arguments ?? []) visit(n);
        return;
      case 'lambda':
        visit(node.body);
        return;
      case 'condition':
        visit(node.condition);
        visit(node.then);
        visit(node.else);
        return;
      case 'block':
        for (const n of node.expressions ?? []) visit(n);
        return;
      default:
        // Literals, regular expressions, wildcards, descendants and transforms read no top-level name.
        return;
    }
  };
  const statesField = (field: string) => {
    if (field === 'result' || field === 'errorOutput') {
      if (!visible[field]) found.add(`Field '$states.${field}' does not exist.`);
    } else if (field !== 'input' && field !== 'context') found.add(`Unknown reserved states field: ${field}`);
  };
  visit(ast as unknown as Node);
  return [...found];
}

function list(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}
