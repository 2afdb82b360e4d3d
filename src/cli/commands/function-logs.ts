/** `hangar function logs NAME [--follow] [--since]`: a function's invocation logs (START, output,
 *  END, REPORT) over GET /functions/{name}/logs, oldest first as a terminal reads them. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { FunctionInvocationInfo, HangarClient } from '../client/index.ts';
import { clientFor, clientOptions, int, print, type ClientFlags } from './common.ts';

type LogFlags = ClientFlags & { user?: string; since?: string; follow?: boolean; limit?: number; requestId?: string };
type Entry = FunctionInvocationInfo & { log: string };

/** How often --follow asks for new invocations. */
const POLL_MS = 1000;
/** How far back each poll looks again before the newest end it has shown: a record is written a
 *  moment after its invocation ends (in batches, app/invocation-recorder.ts), so one that ended
 *  just before a poll may arrive after it. Seen ones are not shown twice. */
const LATE_MS = 5000;

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
      .option('--follow', 'keep printing new invocations as they end (until interrupted); with --json, one a line')
      .option('--limit <n>', 'without --since: how many of the latest (default 20)', int)
      .option('--request-id <id>', 'only this invocation')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: LogFlags, cmd: Command) => {
    const client = clientFor(flags);
    let since: number | undefined;
    if (flags.since !== undefined) {
      since = sinceOf(flags.since, Date.now()) ?? cmd.error(`error: --since takes 30s, 10m, 2h, 1d or an ISO time, not '${flags.since}'`);
    }
    const first =
      since === undefined
        ? (await client.functions.logs(name, { userId: flags.user, requestId: flags.requestId, limit: flags.limit ?? 20 })).logs
        : await allSince(client, name, flags, since);
    show(first, flags.json);
    if (!flags.follow) return;
    // Request id -> end (ms) of what was shown, for as long as a poll may see it again.
    const seen = new Map(first.map((e) => [e.requestId, Date.parse(e.endedAt)]));
    let newest = Math.max(since ?? 0, ...seen.values());
    for (;;) {
      await sleep(POLL_MS);
      const from = Math.max(0, newest - LATE_MS);
      const fresh = (await allSince(client, name, flags, from)).filter((e) => !seen.has(e.requestId));
      show(fresh, flags.json);
      for (const e of fresh) {
        const end = Date.parse(e.endedAt);
        seen.set(e.requestId, end);
        newest = Math.max(newest, end);
      }
      for (const [id, end] of seen) if (end < from) seen.delete(id);
    }
  });
}
