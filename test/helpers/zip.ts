/** A zip of the given files, stored (not deflated), for tests that need real zip bytes (Lambda's
 *  ZipFile): the CLI's zip writer (src/functions/zip.ts). */
import { zipEntries } from '../../src/functions/zip.ts';

export function makeZip(files: Record<string, string | Buffer>): Buffer {
  return zipEntries(
    Object.entries(files).map(([name, content]) => ({ name, data: Buffer.from(content) })),
    { deflate: false },
  );
}
