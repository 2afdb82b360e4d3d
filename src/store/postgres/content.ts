/**
 * Content: tasks' output (whose followers, here and in other processes, hear of each append)
 * and projects with their versions.
 */
import { outputFromRow, projectFromRow, projectVersionFromRow } from '../row.ts';
import type { NewProject, OutputChunk, OutputCursor, Project, ProjectVersion } from '../../core/index.ts';
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

/** Chunks as arrays in step (task_id, attempt, seq, stream, data, at). A chunk already stored
 *  is kept as it was. Followers elsewhere are told once it has committed (outputNow). */
const APPEND_OUTPUT = `
INSERT INTO task_output (task_id, attempt, seq, stream, data, at)
SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::bytea[], $6::bigint[])
ON CONFLICT DO NOTHING`;

/** task id, cursor attempt and seq, limit */
const READ_OUTPUT = `
SELECT * FROM task_output WHERE task_id = $1 AND (attempt > $2 OR (attempt = $2 AND seq > $3))
ORDER BY attempt, seq LIMIT $4`;

/** project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts:
 *  the version, if the project's latest is still version - 1 (one row back), else nothing. */
const ADD_PROJECT_VERSION = `
WITH moved AS (UPDATE projects SET latest_version = $2 WHERE id = $1 AND latest_version = $2 - 1 RETURNING id)
INSERT INTO project_versions (project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb FROM moved
RETURNING version`;

export class Content {
  private readonly db: Db;
  private readonly notifier: Notifier;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  async appendOutput(chunks: OutputChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.db.query(APPEND_OUTPUT, [
      chunks.map((c) => c.taskId),
      chunks.map((c) => c.attempt),
      chunks.map((c) => c.seq),
      chunks.map((c) => c.stream),
      chunks.map((c) => c.data),
      chunks.map((c) => c.at),
    ]);
    this.notifier.outputNow(new Set(chunks.map((c) => c.taskId)));
  }

  async readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
    return (await this.db.rows(READ_OUTPUT, [taskId, after.attempt, after.seq, limit])).map(outputFromRow);
  }

  async createProject(p: NewProject): Promise<Project> {
    const [r] = await this.db.rows('INSERT INTO projects (id, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [
      p.id,
      p.userId,
      p.name,
      this.db.now(),
    ]);
    return projectFromRow(r);
  }

  async getProject(id: string): Promise<Project | null> {
    const [r] = await this.db.rows('SELECT * FROM projects WHERE id = $1', [id]);
    return r ? projectFromRow(r) : null;
  }

  async listProjects(f: { userId?: string }): Promise<Project[]> {
    const rows =
      f.userId === undefined
        ? await this.db.rows('SELECT * FROM projects ORDER BY created_at, id')
        : await this.db.rows('SELECT * FROM projects WHERE user_id = $1 ORDER BY created_at, id', [f.userId]);
    return rows.map(projectFromRow);
  }

  async addProjectVersion(v: ProjectVersion): Promise<boolean> {
    const rows = await this.db.rows(ADD_PROJECT_VERSION, [
      v.projectId,
      v.version,
      v.createdAt,
      v.baseVersion,
      v.taskId,
      v.blobKey,
      v.files,
      v.bytes,
      JSON.stringify(v.conflicts),
    ]);
    return rows.length === 1;
  }

  async projectVersions(projectId: string): Promise<ProjectVersion[]> {
    return (await this.db.rows('SELECT * FROM project_versions WHERE project_id = $1 ORDER BY version DESC', [projectId])).map(
      projectVersionFromRow,
    );
  }

  async projectVersion(projectId: string, version: number): Promise<ProjectVersion | null> {
    const [r] = await this.db.rows('SELECT * FROM project_versions WHERE project_id = $1 AND version = $2', [projectId, version]);
    return r ? projectVersionFromRow(r) : null;
  }
}
