/** A provisioned concurrency row as the port answers it (both backends). */
import type { ProvisionedConfig } from '../core/index.ts';
import type { Row } from './row.ts';

export const provisionedFromRow = (r: Row): ProvisionedConfig => ({
  userId: String(r.user_id),
  functionName: String(r.function_name),
  qualifier: String(r.qualifier),
  requested: Number(r.requested),
  lastModified: Number(r.updated_at),
});
