/** `hangar function logs NAME [--follow] [--since]`: a function's invocation logs (START, output,
 *  END, REPORT) over GET /functions/{name}/logs, oldest first as a terminal reads them; --follow
 *  over GET /functions/{name}/logs/live, each invocation as the server records it. */
import type { Command } from 'commander';
import type { FunctionInvocationInfo, HangarClient } from '../client/index.ts';
import { followFunctionLogs } from '../live.ts';
import { clientFor, clientOptions, int, print, type ClientFlags } from './common.ts';

type LogFlags = ClientFlags & { user?: string; since?: string; follow?: boolean; limit?: number; requestId?: string };
type Entry = FunctionInvocationInfo & { log: string };

/** `10m`, `2h`, `30s`, `1d` before now, or an ISO time; epoch ms. */
export function sinceOf(text: string, now: number): number | null {
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** Every page of invocations since `since` (all of them, newest first). */
async function allSince(client: HangarClient, name: string, flags: LogFlags, since: number | undefined): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.functions.logs(name, { userId: flags.user, since, requestId: flags.requestId, cursor, limit: 200 });
    out.push(...page.logs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

function show(entries: Entry[], json: boolean | undefined): void {
  for (const e of entries.toReversed()) {
    // --json: one invocation a line (it may follow for ever: a stream, not one document).
    if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else print(e.log);
  }
}

export function functionLogsCommand(fn: Command): void {
  clientOptions(
    fn
      .command('logs')
      .description("A function's recent invocation logs (START, output, END, REPORT), oldest first")
      .argument('<name>')
      .option('--since <when>', 'only invocations that ended since: 30s, 10m, 2h, 1d ago, or an ISO time')
      .option('--follow', 'then print each new invocation as it is recorded (until interrupted); with --json, one a line')
      .option('--limit <n>', 'without --since: how many of the latest (default 20)', int)
      .option('--request-id <id>', 'only this invocation')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: LogFlags, cmd: Command) => {
    const client = clientFor(flags);
    let since: number | undefined;
    if (flags.since !== undefined) {
      since = sinceOf(flags.since, Date.now()) ?? cmd.error(`error: --since takes 30s, 10m, 2h, 1d or an ISO time, not '${flags.since}'`);
    }
    if (flags.follow) {
      if (flags.requestId !== undefined) cmd.error('error: --follow shows new invocations; --request-id shows one that ended');
      // Each invocation as the server sends it: the stream does not end by itself.
      const live = followFunctionLogs(client, name, { since, limit: flags.limit ?? 20, userId: flags.user });
      for await (const e of live) show([e], flags.json);
      return;
    }
    const first =
      since === undefined
        ? (await client.functions.logs(name, { userId: flags.user, requestId: flags.requestId, limit: flags.limit ?? 20 })).logs
        : await allSince(client, name, flags, since);
    show(first, flags.json);
  });
}
