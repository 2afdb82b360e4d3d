/** A task's project files around one attempt: its latest version unpacked before the run, and
 *  what the run left stored back as the next version. */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/index.ts';
import { coerceError } from '../core/index.ts';
import type { ExecutionResult } from '../executor/types.ts';
import type { Logger } from '../log/index.ts';
import { DEFAULT_ARCHIVE_LIMITS, storeBack, unpack, type ArchiveLimits } from '../projects/index.ts';
import type { Project, Task } from '../core/index.ts';
import type { Projects, Store } from '../store/index.ts';

/** A project's files for one attempt: `inDir` holds its base version, `outDir` what it left. */
export interface ProjectFiles {
  project: Project;
  base: number;
  root: string;
  inDir: string;
  outDir: string;
}

export interface ProjectFilesOptions {
  store: Projects & Pick<Store, 'now'>;
  blobs: BlobStore;
  /** What one project version may hold; default DEFAULT_ARCHIVE_LIMITS. */
  projectLimits?: ArchiveLimits;
}

/** The project's latest files, unpacked for the executor to copy into the workspace. */
export async function projectFiles(o: ProjectFilesOptions, projectId: string, root: string): Promise<ProjectFiles> {
  const project = await o.store.getProject(projectId);
  if (!project) throw new Error(`project ${projectId} does not exist`);
  const files: ProjectFiles = { project, base: project.latestVersion, root, inDir: join(root, 'in'), outDir: join(root, 'out') };
  await rm(root, { recursive: true, force: true });
  await mkdir(files.inDir, { recursive: true });
  await mkdir(files.outDir, { recursive: true });
  if (files.base > 0) {
    const v = await o.store.projectVersion(projectId, files.base);
    const archive = v ? await o.blobs.get(v.blobKey) : null;
    if (!archive) throw new Error(`version ${files.base} of project ${projectId} is missing`);
    await unpack(archive, files.inDir);
  }
  return files;
}

/** Stores what the attempt left in its workspace as the project's next version, if it exited
 *  on its own and changed anything; what happened, for the task's summary. */
export async function storeProjectFiles(
  o: ProjectFilesOptions,
  files: ProjectFiles,
  task: Task,
  result: ExecutionResult,
  log: Logger,
): Promise<Record<string, unknown>> {
  const note: Record<string, unknown> = { projectId: files.project.id, baseVersion: files.base || null, version: null };
  try {
    // A stopped task's wrapper may still copy its files out in the kill's grace time (the
    // program dies of the SIGTERM, the wrapper does not): the outcome decides, not the marker.
    const stopped = result.status === 'TIMEOUT' || result.status === 'CANCELLED';
    if (stopped || !existsSync(join(files.outDir, 'done')))
      return { ...note, stored: false, reason: `not stored: the task did not exit on its own (${result.status})` };
    const v = await storeBack({
      store: o.store,
      blobs: o.blobs,
      project: files.project,
      base: files.base,
      baseDir: files.inDir,
      outDir: join(files.outDir, 'files'),
      taskId: task.id,
      scratch: files.root,
      limits: o.projectLimits ?? DEFAULT_ARCHIVE_LIMITS,
      now: () => o.store.now(),
    });
    return v
      ? { ...note, stored: true, version: v.version, conflicts: v.conflicts }
      : { ...note, stored: false, reason: 'no file changed' };
  } catch (err) {
    log.error({ err: coerceError(err), projectId: files.project.id }, "the task's project files were not stored");
    return { ...note, stored: false, reason: `not stored: ${coerceError(err).message}` };
  } finally {
    await rm(files.root, { recursive: true, force: true }).catch(() => {});
  }
}
