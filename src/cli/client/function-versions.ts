/**
 * A function's versions, aliases and reserved concurrency: /functions/{name}/versions,
 * …/aliases, …/concurrency (src/api/routes/function-versions.ts).
 */
import { enc, Resource } from './core.ts';
import type { FunctionInfo } from './functions.ts';

/** An alias as /functions/{name}/aliases shows it. */
export interface FunctionAliasInfo {
  name: string;
  functionName: string;
  userId: string;
  version: string;
  description: string;
  revisionId: string;
  createdAt: string;
  updatedAt: string;
}

export class FunctionVersions extends Resource {
  /** Publishes $LATEST; with `revisionId`, only if it is still at that revision (If-Match). */
  publish(name: string, opts: { userId?: string; description?: string; revisionId?: string } = {}): Promise<FunctionInfo> {
    return this.transport.json('POST', `/functions/${enc(name)}/versions`, {
      query: { userId: opts.userId },
      body: opts.description === undefined ? {} : { description: opts.description },
      headers: opts.revisionId === undefined ? undefined : { 'if-match': `"${opts.revisionId}"` },
    });
  }

  list(
    name: string,
    params: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ versions: FunctionInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', `/functions/${enc(name)}/versions`, { query: params });
  }

  /** Creates the alias or points it anew; `created` tells which. */
  async putAlias(
    name: string,
    alias: string,
    body: { version: string; description?: string },
    userId?: string,
  ): Promise<{ alias: FunctionAliasInfo; created: boolean }> {
    const res = await this.transport.request('PUT', `/functions/${enc(name)}/aliases/${enc(alias)}`, { query: { userId }, body });
    return { alias: (await res.json()) as FunctionAliasInfo, created: res.status === 201 };
  }

  aliases(name: string, userId?: string): Promise<{ aliases: FunctionAliasInfo[] }> {
    return this.transport.json('GET', `/functions/${enc(name)}/aliases`, { query: { userId } });
  }

  deleteAlias(name: string, alias: string, userId?: string): Promise<{ name: string; alias: string; deleted: true }> {
    return this.transport.json('DELETE', `/functions/${enc(name)}/aliases/${enc(alias)}`, { query: { userId } });
  }

  /** Reserves `reserved` concurrent instances, or removes the reservation (null). */
  concurrency(name: string, reserved: number | null, userId?: string): Promise<{ name: string; reserved: number | null }> {
    const path = `/functions/${enc(name)}/concurrency`;
    return reserved === null
      ? this.transport.json('DELETE', path, { query: { userId } })
      : this.transport.json('PUT', path, { query: { userId }, body: { reserved } });
  }
}
