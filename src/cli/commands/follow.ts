/** Writing a task's live output as it comes (`logs --follow`, `submit --wait`, `terminal run --wait`). */
import { once } from 'node:events';
import type { HangarClient } from '../client/index.ts';
import { followTask } from '../live.ts';
import { note } from './common.ts';

async function write(out: NodeJS.WriteStream, data: Buffer): Promise<void> {
  if (!out.write(data)) await once(out, 'drain');
}

/**
 * The task's stdout to stdout and its stderr to stderr, byte for byte, from `after` on (its
 * first output by default); the start of each attempt after the first is noted on stderr.
 * Returns the task's final status ('GONE' if it was deleted meanwhile), and whether its stdout
 * ended inside a line (so that what is printed next starts on a line of its own).
 */
export async function streamTask(
  client: HangarClient,
  taskId: string,
  opts: { after?: string } = {},
): Promise<{ status: string; openLine: boolean }> {
  let attempt = 0;
  let openLine = false;
  const seeAttempt = (a: number) => {
    if (a > attempt && attempt > 0) note(`attempt ${a} of task ${taskId}:`);
    attempt = Math.max(attempt, a);
  };
  for await (const e of followTask(client, taskId, opts)) {
    switch (e.type) {
      case 'status':
        if (e.status === 'RUNNING') seeAttempt(e.attempt);
        break;
      case 'output':
        seeAttempt(e.attempt);
        if (e.stream === 'stdout' && e.data.length > 0) openLine = e.data[e.data.length - 1] !== 0x0a;
        await write(e.stream === 'stdout' ? process.stdout : process.stderr, e.data);
        break;
      case 'end':
        return { status: e.status, openLine };
      default: {
        const never: never = e;
        return never;
      }
    }
  }
  return { status: 'GONE', openLine };
}
