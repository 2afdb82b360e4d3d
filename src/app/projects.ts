/**
 * Projects (issue 6): a user's named file trees, one version per upload or per task that
 * changed them (src/projects does the files; this decides who and which version).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../auth/index.ts';
import { Conflict, ErrorCode, Internal, NotFound } from '../core/errors.ts';
import { pack, unpackUpload, versionKey, type ArchiveLimits } from '../projects/index.ts';
import { uuidv7 } from '../store/index.ts';
import type { Project, ProjectVersion } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { projectOwner } from './ownership.ts';

export async function createProject(
  app: Pick<AppContext, 'store'>,
  who: Principal,
  name: string,
  asked: string | undefined,
): Promise<Project> {
  return app.store.createProject({ id: uuidv7(), userId: projectOwner(who, asked), name });
}

/** Makes the next version of `p` from an uploaded tar or tar.gz: the whole tree. An archive a
 *  project cannot hold is InvalidInput (ArchiveError). */
export async function uploadVersion(
  app: Pick<AppContext, 'store' | 'blobs' | 'clock'>,
  p: Project,
  body: Buffer,
  limits: ArchiveLimits,
): Promise<ProjectVersion> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-upload-'));
  try {
    const tree = await unpackUpload(body, join(dir, 'files'), limits);
    const archive = await pack(join(dir, 'files'));
    const uploadId = uuidv7();
    // Another version may land between reading the latest and adding this one: try again on top.
    for (let latest = p.latestVersion, round = 0; round < 5; round++) {
      const { files, bytes } = tree;
      const v: ProjectVersion = {
        projectId: p.id,
        version: latest + 1,
        createdAt: app.clock.now(),
        baseVersion: latest || null,
        taskId: null,
        blobKey: versionKey(p.id, latest + 1, uploadId),
        files,
        bytes,
        conflicts: [],
      };
      await app.blobs.put(v.blobKey, archive);
      if (await app.store.addProjectVersion(v)) return v;
      await app.blobs.deletePrefix(v.blobKey).catch(() => {});
      latest = (await app.store.getProject(p.id))?.latestVersion ?? latest;
    }
    throw new Conflict(ErrorCode.ProjectBusy, `project ${p.id} changed too often to add a version; try again`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A version of `p` (the latest unless asked) as tar.gz. */
export async function versionArchive(
  app: Pick<AppContext, 'store' | 'blobs'>,
  p: Project,
  asked: number | undefined,
): Promise<{ version: number; archive: Buffer }> {
  const version = asked ?? p.latestVersion;
  const v = version > 0 ? await app.store.projectVersion(p.id, version) : null;
  if (!v) throw new NotFound(ErrorCode.ProjectNotFound, `project ${p.id} has no version ${version}`);
  const archive = await app.blobs.get(v.blobKey);
  if (!archive) throw new Internal(`the archive of project ${p.id} version ${version} is missing`);
  return { version, archive };
}

/** A terminal's FIFO group: its commands run one at a time, in order. */
export const terminalLane = (projectId: string, terminalId: string) => `terminal:${projectId}:${terminalId}`;
