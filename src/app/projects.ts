/**
 * Projects (issue 6): a user's named file trees, one version per upload or per task that
 * changed them (src/projects does the files; this decides who and which version).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Principal } from '../auth/index.ts';
import { Conflict, ErrorCode, Internal, NotFound } from '../core/errors.ts';
import { ArchiveError, archiveFiles, pack, unpack, unpackUpload, versionKey, type ArchiveLimits } from '../projects/index.ts';
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
    return (await addVersion(app, p, async () => ({ archive, ...tree })))!;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Makes the next version of `p`: its latest files with `files` added (or replaced), such as a
 * Map's ResultWriter leaves. Null when the latest version already holds them, byte for byte (a
 * write redone after a takeover adds no second version). More files or bytes than `limits`
 * allow is InvalidInput (ArchiveError).
 */
export async function addProjectFiles(
  app: Pick<AppContext, 'store' | 'blobs' | 'clock'>,
  p: Project,
  files: { name: string; data: Buffer }[],
  limits: ArchiveLimits,
): Promise<ProjectVersion | null> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-add-'));
  try {
    return await addVersion(app, p, async (latest, round) => {
      const base = latest > 0 ? (await versionArchive(app, p, latest)).archive : null;
      const current = new Map((base ? await archiveFiles(base) : []).map((f) => [f.name, f.data]));
      if (files.every((f) => current.get(f.name)?.equals(f.data))) return null;
      const tree = join(dir, `v${round}`);
      if (base) await unpack(base, tree);
      else await mkdir(tree, { recursive: true });
      for (const f of files) {
        const path = join(tree, f.name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, f.data);
        current.set(f.name, f.data);
      }
      const bytes = [...current.values()].reduce((n, d) => n + d.length, 0);
      if (current.size > limits.maxFiles || bytes > limits.maxBytes)
        throw new ArchiveError(`the project would hold ${current.size} files and ${bytes} bytes, over its limits`);
      return { archive: await pack(tree), files: current.size, bytes };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Adds the version `make` builds on top of the latest one. Another version may land between
 * reading the latest and adding this one: then `make` builds again on top of that, a few times.
 * `make` answering null adds nothing (null).
 */
async function addVersion(
  app: Pick<AppContext, 'store' | 'blobs' | 'clock'>,
  p: Project,
  make: (latest: number, round: number) => Promise<{ archive: Buffer; files: number; bytes: number } | null>,
): Promise<ProjectVersion | null> {
  const addId = uuidv7();
  for (let latest = p.latestVersion, round = 0; round < 5; round++) {
    const made = await make(latest, round);
    if (!made) return null;
    const v: ProjectVersion = {
      projectId: p.id,
      version: latest + 1,
      createdAt: app.clock.now(),
      baseVersion: latest || null,
      taskId: null,
      blobKey: versionKey(p.id, latest + 1, addId),
      files: made.files,
      bytes: made.bytes,
      conflicts: [],
    };
    await app.blobs.put(v.blobKey, made.archive);
    if (await app.store.addProjectVersion(v)) return v;
    await app.blobs.deletePrefix(v.blobKey).catch(() => {});
    latest = (await app.store.getProject(p.id))?.latestVersion ?? latest;
  }
  throw new Conflict(ErrorCode.ProjectBusy, `project ${p.id} changed too often to add a version; try again`);
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
