/** A project upload: a tar.gz of the given files (paths with folders), made in a temp dir removed after. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';

export async function archiveOf(files: Record<string, string | Uint8Array>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-archive-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const chunks: Buffer[] = [];
    for await (const c of tar.c({ gzip: true, cwd: dir, portable: true }, readdirSync(dir)) as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
