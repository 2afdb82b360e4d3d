/** When a Wait state ends: Seconds, SecondsPath, Timestamp or TimestampPath, checked as AWS checks them. */
import { parseTimestamp } from './choice.ts';
import type { AslState } from './definition.ts';
import { type Json, runtimeFailure } from './errors.ts';
import { cachedPath, readPath, type Scope } from './scope.ts';

/** AWS refuses a wait of 2^31 seconds or more ("Wait state delay is too long."). */
const MAX_WAIT_SECONDS = 2 ** 31 - 1;

/** The epoch millisecond at which the Wait ends. */
export function waitUntil(state: AslState, scope: Scope, nowMs: number): number {
  let until: number;
  if (state.Seconds !== undefined) until = nowMs + secondsValue(state.Seconds) * 1000;
  else if (state.SecondsPath !== undefined) {
    const r = readPath(cachedPath(state.SecondsPath), scope);
    if (!r.found) throw runtimeFailure(`The SecondsPath parameter does not reference an input value: ${state.SecondsPath}`);
    const v = r.value;
    const shown = `${state.SecondsPath} == ${display(v)}`;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw runtimeFailure(`The SecondsPath parameter cannot be parsed as a long value: ${shown}`);
    if (v < 0) throw runtimeFailure(`The SecondsPath parameter references a negative value: ${shown}`);
    until = nowMs + v * 1000;
  } else if (state.Timestamp !== undefined) until = timestampMs(state.Timestamp, 'Timestamp', state.Timestamp);
  else if (state.TimestampPath !== undefined) {
    const r = readPath(cachedPath(state.TimestampPath), scope);
    if (!r.found) throw runtimeFailure(`The TimestampPath parameter does not reference an input value: ${state.TimestampPath}`);
    until = timestampMs(r.value, 'TimestampPath', `${state.TimestampPath} == ${display(r.value)}`);
  } else throw runtimeFailure('A Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath');
  if ((until - nowMs) / 1000 > MAX_WAIT_SECONDS) throw runtimeFailure('Wait state delay is too long.');
  return until;
}

function secondsValue(v: number | string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw runtimeFailure(`The Seconds field must be a non-negative integer: ${v}`);
  return v;
}

function timestampMs(v: Json, field: string, shown: string): number {
  const t = typeof v === 'string' ? parseTimestamp(v) : undefined;
  if (!t)
    throw runtimeFailure(`The ${field} parameter does not reference a valid ISO-8601 extended offset date-time format string: ${shown}`);
  return t[0];
}

function display(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
