import { randomBytes } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { intParam, type Workload } from './context.ts';

const FILE_SIZE = 256 * 1024;

/** Creates `files` files of 256 KiB in the workspace: write + fsync, read back and verify, delete. */
export const ioIntensive: Workload = async (ctx) => {
  const files = intParam(ctx.metadata, 'files', 20, 1, 10_000);
  ctx.log(`io-intensive: writing ${files} files of ${FILE_SIZE} bytes`);
  const t0 = performance.now();
  let bytesWritten = 0;
  let bytesRead = 0;
  for (let i = 0; i < files; i++) {
    const path = join(ctx.cwd, `io-test-${i}.bin`);
    const data = randomBytes(FILE_SIZE);
    const fh = await open(path, 'w');
    try {
      const { bytesWritten: n } = await fh.write(data, 0, data.length, 0);
      bytesWritten += n;
      await fh.sync();
    } finally {
      await fh.close();
    }
    const back = await readFile(path);
    bytesRead += back.length;
    if (!back.equals(data)) throw new Error(`verification failed for ${path}`);
    await unlink(path);
  }
  const duration = Math.round(performance.now() - t0);
  ctx.log(`io-intensive: ${bytesWritten} bytes written and verified in ${duration} ms`);
  return { message: 'I/O-intensive task completed', files, bytesWritten, bytesRead, duration };
};
