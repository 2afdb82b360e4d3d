/**
 * Provisioned concurrency configurations (Lambda's PutProvisionedConcurrencyConfig): per user,
 * function and qualifier (a version number or an alias, checked in core/function-provisioned.ts),
 * how many instances to keep warm. A port of its own beside Functions; its rows go with the
 * function, and with the version or alias they are for, in the database itself. listAll is what
 * every function host reads to keep the instances (functions/provisioned.ts).
 */
import type { ProvisionedConfig } from '../../core/index.ts';

export interface ProvisionedConcurrency {
  /** Creates or replaces the configuration (lastModified: the store's clock); NotFound
   *  (FUNCTION_NOT_FOUND) when the function is not there. */
  putProvisioned(userId: string, functionName: string, qualifier: string, requested: number): Promise<ProvisionedConfig>;
  getProvisioned(userId: string, functionName: string, qualifier: string): Promise<ProvisionedConfig | null>;
  /** False when there was none. */
  deleteProvisioned(userId: string, functionName: string, qualifier: string): Promise<boolean>;
  /** The function's configurations by qualifier. */
  listProvisioned(userId: string, functionName: string): Promise<ProvisionedConfig[]>;
  /** Every user's configurations (hosts reconcile their instances with these). */
  listAllProvisioned(): Promise<ProvisionedConfig[]>;
}
