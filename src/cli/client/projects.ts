/** Projects, their files and terminals: /projects (src/api/routes/projects.ts). */
import { enc, Resource } from './core.ts';
import type { Page, SubmitResult } from './tasks.ts';

export interface Project {
  projectId: string;
  name: string;
  userId: string | null;
  latestVersion: number;
  createdAt: string;
  filesUrl: string;
}

export interface ProjectVersion {
  version: number;
  createdAt: string;
  baseVersion: number | null;
  taskId: string | null;
  files: number;
  bytes: number;
  conflicts: string[];
}

export interface TerminalCommand {
  command: string;
  timeout?: number;
  env?: Record<string, string>;
  resources?: { cpu?: number; memory?: number };
}

export class Projects extends Resource {
  create(body: { name: string; userId?: string }): Promise<Project> {
    return this.transport.json('POST', '/projects', { body });
  }

  list(userId?: string): Promise<{ projects: Project[] }> {
    return this.transport.json('GET', '/projects', { query: { userId } });
  }

  get(id: string): Promise<Project & { versions: ProjectVersion[] }> {
    return this.transport.json('GET', `/projects/${enc(id)}`);
  }

  /** A tar or tar.gz archive as the project's next version. */
  upload(id: string, archive: Buffer): Promise<ProjectVersion> {
    return this.transport.json('PUT', `/projects/${enc(id)}/files`, { raw: { data: archive, type: 'application/gzip' } });
  }

  /** A version (the latest unless given) as tar.gz. */
  async download(id: string, version?: number): Promise<{ version: number; archive: Buffer }> {
    const res = await this.transport.request('GET', `/projects/${enc(id)}/files`, { query: { version } });
    return { version: Number(res.headers.get('x-hangar-project-version')), archive: Buffer.from(await res.arrayBuffer()) };
  }

  runCommand(projectId: string, terminal: string, body: TerminalCommand): Promise<SubmitResult> {
    return this.transport.json('POST', `/projects/${enc(projectId)}/terminals/${enc(terminal)}/commands`, { body });
  }

  commands(projectId: string, terminal: string, params: { cursor?: string; limit?: number } = {}): Promise<Page> {
    return this.transport.json('GET', `/projects/${enc(projectId)}/terminals/${enc(terminal)}/commands`, { query: params });
  }
}
