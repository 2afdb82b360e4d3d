/**
 * A state machine's versions and aliases: /state-machines/{name}/versions and …/aliases
 * (src/api/routes/state-machine-versions.ts).
 */
import { enc, Resource } from './core.ts';

/** A published version as /state-machines/{name}/versions shows it. */
export interface StateMachineVersionInfo {
  stateMachineName: string;
  version: number;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  roleArn: string;
  revisionId: string;
  description: string;
  createdAt: string;
}

/** One version an alias routes to, and the percentage of its starts that run it. */
export interface AliasRoute {
  version: number;
  weight: number;
}

export interface StateMachineAliasInfo {
  stateMachineName: string;
  name: string;
  description: string;
  routing: AliasRoute[];
  createdAt: string;
  updatedAt: string;
}

export class StateMachineVersions extends Resource {
  /** Publishes the machine's current revision; the same revision again answers its version (`created` false). */
  async publish(
    machine: string,
    body: { description?: string; revisionId?: string },
    userId?: string,
  ): Promise<{ version: StateMachineVersionInfo; created: boolean }> {
    const res = await this.transport.request('POST', `/state-machines/${enc(machine)}/versions`, { query: { userId }, body });
    return { version: (await res.json()) as StateMachineVersionInfo, created: res.status === 201 };
  }

  list(
    machine: string,
    q: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ versions: StateMachineVersionInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', `/state-machines/${enc(machine)}/versions`, { query: q });
  }

  createAlias(
    machine: string,
    body: { name: string; description?: string; routing: AliasRoute[] },
    userId?: string,
  ): Promise<StateMachineAliasInfo> {
    return this.transport.json('POST', `/state-machines/${enc(machine)}/aliases`, { query: { userId }, body });
  }

  updateAlias(
    machine: string,
    alias: string,
    patch: { description?: string; routing?: AliasRoute[] },
    userId?: string,
  ): Promise<StateMachineAliasInfo> {
    return this.transport.json('PATCH', `/state-machines/${enc(machine)}/aliases/${enc(alias)}`, { query: { userId }, body: patch });
  }

  aliases(
    machine: string,
    q: { userId?: string; version?: number; cursor?: string; limit?: number } = {},
  ): Promise<{ aliases: StateMachineAliasInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', `/state-machines/${enc(machine)}/aliases`, { query: q });
  }

  deleteAlias(machine: string, alias: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/state-machines/${enc(machine)}/aliases/${enc(alias)}`, { query: { userId } });
  }
}
