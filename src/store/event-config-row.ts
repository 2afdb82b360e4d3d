/**
 * Rows of function_event_configs (a function's asynchronous invocation settings per qualifier),
 * the same on every backend: the columns after (user_id, function_name, qualifier) in
 * EVENT_CONFIG_COLUMNS' order, as eventConfigValues gives them.
 */
import type { EventInvokeConfig } from '../core/index.ts';
import type { Row } from './row.ts';

export const EVENT_CONFIG_COLUMNS = 'max_retry_attempts, max_event_age_s, on_success, on_failure, last_modified';

export function eventConfigValues(c: EventInvokeConfig): (string | number | null)[] {
  return [c.maximumRetryAttempts, c.maximumEventAgeS, c.onSuccess, c.onFailure, c.lastModified];
}

const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function eventConfigFromRow(r: Row): EventInvokeConfig {
  return {
    functionName: String(r.function_name),
    qualifier: String(r.qualifier),
    maximumRetryAttempts: intOrNull(r.max_retry_attempts),
    maximumEventAgeS: intOrNull(r.max_event_age_s),
    onSuccess: strOrNull(r.on_success),
    onFailure: strOrNull(r.on_failure),
    lastModified: Number(r.last_modified),
  };
}
