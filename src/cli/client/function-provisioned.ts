/** A function's provisioned concurrency: /functions/{name}/provisioned-concurrency (src/api/routes/function-provisioned.ts). */
import { enc, Resource } from './core.ts';

/** A configuration as the route shows it: instances asked for, started, and whether all are. */
export interface ProvisionedConfigInfo {
  name: string;
  qualifier: string;
  requested: number;
  allocated: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  /** Why it is FAILED: the init error that kept an instance from starting (null otherwise). */
  statusReason: string | null;
  lastModified: string;
}

export class FunctionProvisioned extends Resource {
  /** Keeps `instances` instances of a published version or an alias started. */
  put(name: string, qualifier: string, instances: number, userId?: string): Promise<ProvisionedConfigInfo> {
    return this.transport.json('PUT', `/functions/${enc(name)}/provisioned-concurrency`, {
      query: { qualifier, userId },
      body: { instances },
    });
  }

  list(name: string, userId?: string): Promise<{ configs: ProvisionedConfigInfo[] }> {
    return this.transport.json('GET', `/functions/${enc(name)}/provisioned-concurrency`, { query: { userId } });
  }

  delete(name: string, qualifier: string, userId?: string): Promise<{ name: string; qualifier: string; deleted: true }> {
    return this.transport.json('DELETE', `/functions/${enc(name)}/provisioned-concurrency`, { query: { qualifier, userId } });
  }
}
