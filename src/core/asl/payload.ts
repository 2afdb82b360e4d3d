/** The JSONPath input and output processing of a state: InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath. */
import { isObject, type Json, type JsonObject, runtimeFailure, StatesErrors, StatesFailure } from './errors.ts';
import { evaluateIntrinsic, isIntrinsic } from './intrinsics.ts';
import { setAtPath } from './jsonpath.ts';
import { cachedPath, requirePath, type Scope, selectPath } from './scope.ts';

/** A payload template (Parameters, ResultSelector, ItemSelector, Assign): keys ending in `.$` take a path or an intrinsic. */
export function applyTemplate(template: Json, scope: Scope): Json {
  if (Array.isArray(template)) return template.map((x) => applyTemplate(x, scope));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw runtimeFailure(`The value of the field '${key}' must be a path or an intrinsic function`);
      out[key.slice(0, -2)] = dynamicValue(value, scope, key);
    } else out[key] = applyTemplate(value, scope);
  }
  return out;
}

/** The value of a `.$` field: an intrinsic function or a path (of the data, `$$` or a variable). */
export function dynamicValue(expr: string, scope: Scope, field: string): Json {
  return isIntrinsic(expr) ? evaluateIntrinsic(expr, scope, field) : requirePath(expr, scope, field);
}

/** InputPath and OutputPath: `null` passes `{}`, absent passes everything. */
export function filterPath(path: string | null | undefined, scope: Scope): Json {
  if (path === undefined) return scope.data;
  if (path === null) return {};
  return selectPath(path, scope);
}

/** ResultPath: where the result goes in the state's input (`null` discards it, `$` replaces the input). */
export function applyResultPath(path: string | null | undefined, input: Json, result: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  const parsed = cachedPath(path);
  const out = setAtPath(input, parsed, result);
  if (out === undefined) {
    throw new StatesFailure(StatesErrors.ResultPathMatchFailure, `Unable to apply ResultPath "${path}" to input ${JSON.stringify(input)}`);
  }
  return out;
}
