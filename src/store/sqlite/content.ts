/** Content: tasks' output as it is written (and its followers' wake-ups), and projects with
 *  their versions. */
import { outputFromRow, projectFromRow, projectVersionFromRow, type Row } from '../row.ts';
import type { NewProject, OutputChunk, OutputCursor, Project, ProjectVersion } from '../../core/index.ts';
import type { SqliteContext } from './context.ts';

export async function appendOutput(ctx: SqliteContext, chunks: OutputChunk[]): Promise<void> {
  if (chunks.length === 0) return;
  // Not fsynced before it resolves (as the audit log): a follower needs it now, and the whole
  // log reaches the blob store when the attempt ends.
  await ctx.writes.run(() => {
    const ins = ctx.stmt('INSERT OR IGNORE INTO task_output (task_id, attempt, seq, stream, data, at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const c of chunks) ins.run(c.taskId, c.attempt, c.seq, c.stream, c.data, c.at);
  }, false);
  for (const id of new Set(chunks.map((c) => c.taskId))) ctx.wake.emit('output', id);
}

export async function readOutput(ctx: SqliteContext, taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
  const rows = ctx
    .stmt('SELECT * FROM task_output WHERE task_id = ? AND (attempt > ? OR (attempt = ? AND seq > ?)) ORDER BY attempt, seq LIMIT ?')
    .all(taskId, after.attempt, after.attempt, after.seq, limit) as Row[];
  return rows.map(outputFromRow);
}

export function subscribeOutput(ctx: SqliteContext, listener: (taskId: string) => void): () => void {
  ctx.wake.on('output', listener);
  return () => ctx.wake.off('output', listener);
}

export async function createProject(ctx: SqliteContext, p: NewProject): Promise<Project> {
  return ctx.writes.run(() =>
    projectFromRow(
      ctx
        .stmt('INSERT INTO projects (id, user_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING *')
        .get(p.id, p.userId, p.name, ctx.clock.now()) as Row,
    ),
  );
}

export async function getProject(ctx: SqliteContext, id: string): Promise<Project | null> {
  const r = ctx.stmt('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
  return r ? projectFromRow(r) : null;
}

export async function listProjects(ctx: SqliteContext, f: { userId?: string }): Promise<Project[]> {
  const rows = (
    f.userId === undefined
      ? ctx.stmt('SELECT * FROM projects ORDER BY created_at, id').all()
      : ctx.stmt('SELECT * FROM projects WHERE user_id = ? ORDER BY created_at, id').all(f.userId)
  ) as Row[];
  return rows.map(projectFromRow);
}

export async function addProjectVersion(ctx: SqliteContext, v: ProjectVersion): Promise<boolean> {
  return ctx.writes.run(() => {
    const moved = ctx
      .stmt('UPDATE projects SET latest_version = ? WHERE id = ? AND latest_version = ?')
      .run(v.version, v.projectId, v.version - 1).changes;
    if (Number(moved) !== 1) return false;
    ctx
      .stmt(
        'INSERT INTO project_versions (project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(v.projectId, v.version, v.createdAt, v.baseVersion, v.taskId, v.blobKey, v.files, v.bytes, JSON.stringify(v.conflicts));
    return true;
  });
}

export async function projectVersions(ctx: SqliteContext, projectId: string): Promise<ProjectVersion[]> {
  return (ctx.stmt('SELECT * FROM project_versions WHERE project_id = ? ORDER BY version DESC').all(projectId) as Row[]).map(
    projectVersionFromRow,
  );
}

export async function projectVersion(ctx: SqliteContext, projectId: string, version: number): Promise<ProjectVersion | null> {
  const r = ctx.stmt('SELECT * FROM project_versions WHERE project_id = ? AND version = ?').get(projectId, version) as Row | undefined;
  return r ? projectVersionFromRow(r) : null;
}
