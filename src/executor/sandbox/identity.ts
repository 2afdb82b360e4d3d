/**
 * The sandbox user's name. A task runs as a uid no passwd file names (HANGAR_SANDBOX_UID), so
 * `whoami` said "cannot find name for user ID 64100" and Python's getpass.getuser() raised.
 * Each root a task sees (the host's /etc, or an image's) gets a passwd and a group file of its
 * own entries plus one for the sandbox user, bound read-only over /etc/passwd and /etc/group.
 * The files are written once per content, named by their hash, so concurrent workers sharing a
 * directory never see a half-written one, and a changed /etc (a re-imported image) is picked up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { access, chmod, lstat, mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidDir } from '../pid-dirs.ts';

/** What `whoami`, `id -un`, getpass, $USER and $LOGNAME say inside the sandbox. */
export const SANDBOX_USER = 'sandbox';

/** The passwd and group text of a root, with the sandbox user in place of any entry holding
 *  its name or id (ids in a root's files mean nothing to the host's uid running the task). */
export function identityText(own: { passwd: string; group: string }, uid: number, gid: number): { passwd: string; group: string } {
  const keep = (text: string, id: number) =>
    text.split('\n').filter((line) => {
      if (line.trim() === '') return false;
      const f = line.split(':');
      return f[0] !== SANDBOX_USER && f[2] !== String(id);
    });
  return {
    passwd: [...keep(own.passwd, uid), `${SANDBOX_USER}:x:${uid}:${gid}:Hangar sandboxed task:/workspace:/bin/sh`, ''].join('\n'),
    group: [...keep(own.group, gid), `${SANDBOX_USER}:x:${gid}:`, ''].join('\n'),
  };
}

export interface IdentityFiles {
  /** Host path of the passwd file to bind over /etc/passwd; null if the root has none to cover. */
  passwd: string | null;
  group: string | null;
}

export class SandboxIdentity {
  private readonly dir: string;
  private readonly uid: number;
  private readonly gid: number;
  /** Per /etc directory: the modification times the files were made from, when they were last
   *  compared, and the files. */
  private readonly made = new Map<string, { stamp: string; checkedAt: number; files: IdentityFiles }>();

  /** The files live in a directory of this process under $TMPDIR, 0755: bwrap opens them as
   *  the sandbox uid, which could not reach them under a data directory below /root or any
   *  other 0700 directory (every sandboxed task failed there). */
  constructor(uid: number, gid: number) {
    this.dir = pidDir('hangar-sandbox-etc-', 0o755);
    this.uid = uid;
    this.gid = gid;
  }

  /** Removes the files (after the last task that binds them has ended). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
    this.made.clear();
  }

  /** The files for a root whose /etc is `etc`, compared with it at most once a second (three
   *  stats took ~0.2 ms of a ~9 ms sandbox start when done at every launch). Links are not
   *  followed: an image's etc/passwd linking to /etc/shadow would otherwise have the worker
   *  (root) read the host's file and show it to the task. */
  async files(etc: string): Promise<IdentityFiles> {
    const now = Date.now();
    const recent = this.made.get(etc);
    if (recent && now - recent.checkedAt < 1000) return recent.files;
    const dir = await lstat(etc).catch(() => null);
    if (!dir?.isDirectory()) return { passwd: null, group: null };
    const [p, g] = await Promise.all([stampOf(join(etc, 'passwd')), stampOf(join(etc, 'group'))]);
    const stamp = `${p}|${g}`;
    // Ours still there too (a data directory cleaned by hand must not fail every launch).
    if (recent?.stamp === stamp && (await present(recent.files))) {
      recent.checkedAt = now;
      return recent.files;
    }
    const read = (f: string, s: string | null) => (s === null ? Promise.resolve('') : readNoFollow(join(etc, f)));
    const text = identityText({ passwd: await read('passwd', p), group: await read('group', g) }, this.uid, this.gid);
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    // A bind needs its target to exist: a root without the file (and read-only) is left as it is.
    const files = {
      passwd: p === null ? null : await this.write('passwd', text.passwd),
      group: g === null ? null : await this.write('group', text.group),
    };
    this.made.set(etc, { stamp, checkedAt: now, files });
    return files;
  }

  private async write(name: string, text: string): Promise<string> {
    const path = join(this.dir, `${name}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await chmod(tmp, 0o644);
    await rename(tmp, path);
    return path;
  }
}

async function present(files: IdentityFiles): Promise<boolean> {
  const paths = [files.passwd, files.group].filter((f) => f !== null);
  return (
    await Promise.all(
      paths.map((f) =>
        access(f).then(
          () => true,
          () => false,
        ),
      ),
    )
  ).every(Boolean);
}

async function readNoFollow(path: string): Promise<string> {
  const f = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await f.readFile('utf8');
  } finally {
    await f.close();
  }
}

/** A regular file's modification time and size; null for anything else, links included. */
async function stampOf(path: string): Promise<string | null> {
  try {
    const s = await lstat(path);
    return s.isFile() ? `${s.mtimeMs}:${s.size}` : null;
  } catch {
    return null;
  }
}
