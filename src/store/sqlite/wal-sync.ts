/**
 * fdatasync of a database's WAL file on the libuv thread pool: what synchronous=FULL does at
 * each commit, moved off the event loop (see write-batch.ts). SQLite keeps the WAL file while
 * any connection is open, and ours is; its inode is still re-checked once a second in case
 * another process's last close deleted and recreated it.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WalSync {
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function walSync(dbPath: string): WalSync {
  const walPath = `${dbPath}-wal`;
  let fh: FileHandle | null = null;
  let ino = 0;
  let checkedAt = 0;
  let dirSynced = false;

  async function reopen(): Promise<FileHandle> {
    if (fh) await fh.close().catch(() => {});
    fh = await open(walPath, 'r');
    ino = (await fh.stat()).ino;
    checkedAt = Date.now();
    if (!dirSynced) {
      // The WAL's directory entry must be durable too, once.
      const dir = await open(dirname(dbPath), 'r');
      await dir.sync().finally(() => dir.close());
      dirSynced = true;
    }
    return fh;
  }

  return {
    async sync() {
      let h = fh ?? (await reopen());
      if (Date.now() - checkedAt > 1000) {
        checkedAt = Date.now();
        const st = await stat(walPath).catch(() => null);
        if (!st || st.ino !== ino) h = await reopen();
      }
      await h.datasync();
    },
    async close() {
      await fh?.close().catch(() => {});
      fh = null;
    },
  };
}
