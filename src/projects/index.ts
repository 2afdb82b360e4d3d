/**
 * Project files (issue 6): each version of a project is a tar.gz archive in the blob store. An
 * upload becomes the next version; a task that names a project runs in a copy of its latest
 * version, and the files it leaves behind become the next version.
 *
 * Only regular files and directories are kept: an upload with links, devices or paths that
 * leave the project is refused, and a task's symlinks are not stored. Empty directories are not
 * kept across versions. Executable bits are.
 *
 * Two tasks that change the same project at once: each task's changes are the files it added,
 * changed or deleted against the version it started from. The first to finish makes the next
 * version; the second's changes are applied on top of that one, file by file. Files only one of
 * them changed keep that change; a file both changed takes the later task's content, and that
 * version lists it under `conflicts`.
 */
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import * as tar from 'tar';
import { ErrorCode, InvalidInput } from '../core/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import type { Project, ProjectVersion } from '../core/index.ts';
import type { Projects } from '../store/index.ts';

export interface ArchiveLimits {
  /** Total bytes of the files. */
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 64 * 1024 * 1024, maxFiles: 10_000 };

/** What is wrong with an archive, in words for the client (400). */
/** An uploaded archive a project cannot take (unreadable, or entries or sizes it cannot hold). */
export class ArchiveError extends InvalidInput {
  constructor(message: string) {
    super(ErrorCode.ValidationFailed, message);
    this.name = 'ArchiveError';
  }
}

const KEPT_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** The archive of project `id`'s version `v` made by `by` (an upload id or a task id: a retry
 *  of a lost race writes a new key, never over an archive a version may already point to). */
export const versionKey = (id: string, v: number, by: string) => `projects/${id}/v${v}-${by}.tar.gz`;

/** Checks an uploaded archive (tar or tar.gz) entry by entry, then unpacks it into `dir`. */
export async function unpackUpload(archive: Buffer, dir: string, limits: ArchiveLimits): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const problems: string[] = [];
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (e) => {
      const path = e.path.replace(/\/+$/, '');
      if (!KEPT_TYPES.has(e.type)) problems.push(`${path}: a ${e.type} (only files and directories)`);
      else if (path.startsWith('/') || path.split('/').includes('..') || path.includes('\0')) problems.push(`${path}: outside the project`);
      else if (e.type !== 'Directory') {
        files++;
        bytes += e.size ?? 0;
      }
      e.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (err: Error) => reject(new ArchiveError(`not a readable tar or tar.gz archive: ${err.message}`)));
    parser.end(archive);
  });
  if (problems.length > 0) throw new ArchiveError(`the archive has entries a project cannot hold: ${problems.slice(0, 5).join('; ')}`);
  if (files > limits.maxFiles) throw new ArchiveError(`${files} files; a project holds at most ${limits.maxFiles}`);
  if (bytes > limits.maxBytes) throw new ArchiveError(`${bytes} bytes of files; a project holds at most ${limits.maxBytes}`);
  await unpack(archive, dir);
  return { files, bytes };
}

/** Unpacks an archive this module made (or checked) into `dir`. */
export async function unpack(archive: Buffer, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const x = tar.x({ cwd: dir, strict: true, preservePaths: false, filter: (_p, e) => 'type' in e && KEPT_TYPES.has(e.type) });
  await new Promise<void>((resolve, reject) => {
    x.on('close', () => resolve());
    x.on('error', reject);
    x.end(archive);
  });
}

/** The regular files of an archive this module made, in memory and sorted by path: a project
 *  version as a function's code (app/function-project.ts zips them). Directories are implied. */
export async function archiveFiles(archive: Buffer): Promise<{ name: string; data: Buffer; mode: number }[]> {
  const files: { name: string; data: Buffer; mode: number }[] = [];
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (e) => {
      if (e.type === 'Directory' || !KEPT_TYPES.has(e.type)) {
        e.resume();
        return;
      }
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => files.push({ name: e.path.replace(/^\.\//, ''), data: Buffer.concat(chunks), mode: (e.mode ?? 0o644) & 0o7777 }));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(archive);
  });
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A tar.gz of the regular files (and directories) under `dir`. */
export async function pack(dir: string): Promise<Buffer> {
  const names = await readdir(dir);
  if (names.length === 0) return pack0();
  const chunks: Buffer[] = [];
  const stream = tar.c(
    { gzip: true, cwd: dir, portable: true, filter: (_p, s) => 'isFile' in s && (s.isFile() || s.isDirectory()) },
    names.sort(),
  );
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The archive of an empty project. */
async function pack0(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, portable: true, cwd: '/' }, []);
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Each regular file under `dir` (relative path, '/'-separated) → its SHA-256 and exec bit. */
export async function manifest(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const st = await lstat(p);
        const hash = createHash('sha256')
          .update(await readFile(p))
          .digest('hex');
        out.set(relative(dir, p).split(sep).join('/'), `${hash}${st.mode & 0o111 ? '+x' : ''}`);
      }
    }
  };
  await walk(dir);
  return out;
}

const sum = async (dir: string, m: Map<string, string>) => {
  let bytes = 0;
  for (const p of m.keys()) bytes += (await lstat(join(dir, p))).size;
  return bytes;
};

/** Paths added, changed or deleted from `before` to `after`. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const [p, h] of after) if (before.get(p) !== h) out.add(p);
  for (const p of before.keys()) if (!after.has(p)) out.add(p);
  return [...out].sort();
}

export interface StoreBackInput {
  store: Projects;
  blobs: BlobStore;
  project: Project;
  /** The version the task started from (0: none). */
  base: number;
  /** The files it started with (the base version, unpacked). */
  baseDir: string;
  /** The files it left. */
  outDir: string;
  taskId: string;
  /** Scratch space for merging. */
  scratch: string;
  limits: ArchiveLimits;
  now: () => number;
}

/** Stores a task's changes as the project's next version; null when it changed nothing. */
export async function storeBack(o: StoreBackInput): Promise<ProjectVersion | null> {
  const before = await manifest(o.baseDir);
  const after = await manifest(o.outDir);
  const changed = changes(before, after);
  if (changed.length === 0) return null;
  for (let round = 0; ; round++) {
    const latest = round === 0 ? o.project.latestVersion : ((await o.store.getProject(o.project.id))?.latestVersion ?? 0);
    let dir = o.outDir;
    let conflicts: string[] = [];
    if (latest !== o.base) {
      // Another version came first: this task's changes go on top of it, file by file.
      dir = join(o.scratch, `merge-${round}`);
      await rm(dir, { recursive: true, force: true });
      const head = await o.store.projectVersion(o.project.id, latest);
      if (!head) throw new Error(`project ${o.project.id} version ${latest} is missing`);
      const archive = await o.blobs.get(head.blobKey);
      if (!archive) throw new Error(`the archive of project ${o.project.id} version ${latest} is missing`);
      await unpack(archive, dir);
      const theirs = new Set(changes(before, await manifest(dir)));
      conflicts = changed.filter((p) => theirs.has(p));
      for (const p of changed) {
        const target = join(dir, p);
        await rm(target, { recursive: true, force: true });
        if (after.has(p)) await cp(join(o.outDir, p), target, { recursive: true, preserveTimestamps: true });
      }
    }
    const m = dir === o.outDir ? after : await manifest(dir);
    const bytes = await sum(dir, m);
    if (m.size > o.limits.maxFiles || bytes > o.limits.maxBytes) {
      throw new Error(
        `the task left ${m.size} files of ${bytes} bytes; a project holds at most ${o.limits.maxFiles} files of ${o.limits.maxBytes} bytes`,
      );
    }
    const v: ProjectVersion = {
      projectId: o.project.id,
      version: latest + 1,
      createdAt: o.now(),
      baseVersion: o.base || null,
      taskId: o.taskId,
      blobKey: versionKey(o.project.id, latest + 1, `${o.taskId}-${round}`),
      files: m.size,
      bytes,
      conflicts,
    };
    await o.blobs.put(v.blobKey, await pack(dir));
    if (await o.store.addProjectVersion(v)) return v;
    await o.blobs.deletePrefix(v.blobKey).catch(() => {});
    if (round >= 20) throw new Error(`project ${o.project.id}: could not store a version after ${round + 1} tries`);
  }
}
