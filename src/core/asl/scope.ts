/** What a path or an intrinsic function can see while a state runs. */
import { type Json, runtimeFailure } from './errors.ts';
import { evaluatePath, type JsonPath, normalizedPath, notFoundMessage, type PathResult, parsePath } from './jsonpath.ts';

export interface Scope {
  /** The data `$` refers to (state input, result or item, depending on the field). */
  readonly data: Json;
  /** The context object `$$`. */
  readonly context: Json;
  /** Variables set by Assign, read as `$name`. */
  readonly variables: Readonly<Record<string, Json>>;
  /** Randomness for States.MathRandom and States.UUID, injected so runs can be repeated. */
  readonly random: () => number;
}

const parsed = new Map<string, JsonPath>();

/** Paths repeat across executions of one definition; parse each text once. */
export function cachedPath(text: string): JsonPath {
  let p = parsed.get(text);
  if (!p) {
    p = parsePath(text);
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, p);
  }
  return p;
}

export function readPath(path: JsonPath, scope: Scope): PathResult {
  switch (path.root.kind) {
    case 'data':
      return evaluatePath(path, scope.data);
    case 'context':
      return evaluatePath(path, scope.context);
    case 'variable': {
      const name = path.root.name;
      if (!Object.hasOwn(scope.variables, name)) return { found: false };
      return evaluatePath(path, scope.variables[name]);
    }
  }
}

/** A path that must match, for a field that names it in AWS's message ('value.$', 'ErrorPath'). */
export function requirePath(text: string, scope: Scope, field: string): Json {
  const path = cachedPath(text);
  const r = readPath(path, scope);
  if (r.found) return r.value;
  if (path.root.kind === 'variable' && !Object.hasOwn(scope.variables, path.root.name)) {
    throw runtimeFailure(`The variable '$${path.root.name}' specified for the field '${field}' could not be found`);
  }
  throw runtimeFailure(
    `The JSONPath '${text}' specified for the field '${field}' could not be found in the input '${JSON.stringify(path.root.kind === 'context' ? scope.context : scope.data)}'`,
  );
}

/** InputPath / OutputPath / ItemsPath style: Jayway's own message when nothing matches. */
export function selectPath(text: string, scope: Scope): Json {
  const path = cachedPath(text);
  const r = readPath(path, scope);
  if (r.found) return r.value;
  const root = path.root.kind === 'context' ? scope.context : path.root.kind === 'variable' ? scope.variables[path.root.name] : scope.data;
  throw runtimeFailure(
    `Invalid path '${text}' : ${root === undefined ? `No results for path: ${normalizedPath(path)}` : notFoundMessage(path, root)}`,
  );
}
