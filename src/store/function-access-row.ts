/**
 * Rows of function_policies and function_urls to the model and back, shared by both backends
 * (JSON comes as text from both: postgres/db.ts parses none).
 */
import type { CorsConfig, FunctionPolicy, FunctionUrlAuthType, FunctionUrlConfig, InvokeMode, PolicyStatement } from '../core/index.ts';
import type { Row } from './row.ts';

export function policyFromRow(r: Row): FunctionPolicy {
  return {
    userId: String(r.user_id),
    functionName: String(r.function_name),
    qualifier: String(r.qualifier),
    statements: JSON.parse(String(r.statements)) as PolicyStatement[],
    revisionId: String(r.revision_id),
  };
}

/** auth_type, cors, invoke_mode: the columns an update writes. */
export function functionUrlValues(c: Pick<FunctionUrlConfig, 'authType' | 'cors' | 'invokeMode'>): Array<string | null> {
  return [c.authType, c.cors ? JSON.stringify(c.cors) : null, c.invokeMode];
}

export function functionUrlFromRow(r: Row): FunctionUrlConfig {
  return {
    userId: String(r.user_id),
    functionName: String(r.function_name),
    qualifier: String(r.qualifier),
    urlId: String(r.url_id),
    authType: String(r.auth_type) as FunctionUrlAuthType,
    cors: r.cors === null || r.cors === undefined ? null : (JSON.parse(String(r.cors)) as CorsConfig),
    invokeMode: String(r.invoke_mode) as InvokeMode,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
