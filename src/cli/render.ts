/** Human-readable renderings of API responses. Pure: strings in, strings out. */
import type { Health, History, Page, Queues, Task } from './client/index.ts';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Aligned `key  value` lines; entries whose value is null or undefined are left out. */
export function fields(entries: [string, string | number | null | undefined][]): string {
  const shown = entries.filter((e): e is [string, string | number] => e[1] !== null && e[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function duration(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return h > 0 ? `${h}h ${rest}` : rest;
}

/** ISO 8601 without milliseconds, space-separated: 2024-01-01 12:00:00Z. */
export function time(iso: string | null | undefined): string | null {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : null;
}

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);

function program(t: Task): string | null {
  if (t.args) return t.args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  if (t.shell) return `sh -c ${JSON.stringify(t.shell)}`;
  return null;
}

export function taskDetails(t: Task): string {
  const err = t.error;
  const result =
    t.detailedResults && typeof t.detailedResults === 'object' ? (t.detailedResults as { result?: unknown }).result : undefined;
  return fields([
    ['task', t.taskId],
    [
      'status',
      `${t.status} (attempt ${t.attempt}/${t.attemptLimit})${t.deadLettered ? ', dead-lettered' : ''}${t.cancelRequested && t.status === 'RUNNING' ? ', cancelling' : ''}`,
    ],
    ['command', t.command],
    ['program', program(t)],
    ['queue', `${t.queue} (${t.queueType}), priority ${t.priority}`],
    ['user', t.userId],
    ['timeout', `${t.timeout} s`],
    ['created', time(t.createdAt)],
    ['started', time(t.startedAt)],
    ['completed', time(t.completedAt)],
    ['next try', time(t.nextAttemptAt)],
    ['duration', duration(t.duration)],
    [
      'error',
      err
        ? `${err.code}: ${err.message}${err.exitCode != null ? ` (exit ${err.exitCode})` : ''}${err.signal ? ` (${err.signal})` : ''}`
        : null,
    ],
    ['output', truncation(t.summary)],
    ['metadata', Object.keys(t.metadata).length > 0 ? JSON.stringify(t.metadata) : null],
    ['result', result === undefined ? null : JSON.stringify(result)],
  ]);
}

/** Says which of the last attempt's streams were truncated (their middle left out), if any. */
function truncation(summary: Task['summary']): string | null {
  if (!summary) return null;
  const cut = (['stdout', 'stderr'] as const).filter((s) => summary[`${s}Truncated`] === true);
  if (cut.length === 0) return null;
  const sizes = cut.map((s) => `${s} ${bytes(Number(summary[`${s}Bytes`]))}`).join(', ');
  return `truncated (${sizes} written): the stored log keeps the head and the tail, the middle is left out (HANGAR_MAX_OUTPUT_BYTES)`;
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

export function taskTable(page: Page, o: { user?: boolean } = {}): string {
  if (!o.user) {
    return table(
      ['ID', 'STATUS', 'COMMAND', 'PRIORITY', 'QUEUE', 'CREATED'],
      page.tasks.map((t) => [t.taskId, t.status, clip(t.command, 40), t.priority, t.queue, time(t.createdAt)]),
    );
  }
  return table(
    ['ID', 'STATUS', 'USER', 'COMMAND', 'PRIORITY', 'QUEUE', 'CREATED'],
    page.tasks.map((t) => [t.taskId, t.status, t.userId, clip(t.command, 40), t.priority, t.queue, time(t.createdAt)]),
  );
}

export function dlqTable(page: Page): string {
  return table(
    ['ID', 'STATUS', 'COMMAND', 'ATTEMPTS', 'ERROR', 'COMPLETED'],
    page.tasks.map((t) => [
      t.taskId,
      t.status,
      clip(t.command, 30),
      `${t.attempt}/${t.attemptLimit}`,
      t.error ? clip(`${t.error.code}: ${t.error.message}`, 50) : null,
      time(t.completedAt),
    ]),
  );
}

export function historyTable(h: History): string {
  return table(
    ['AT', 'STATUS', 'ATTEMPT', 'WORKER', 'REASON'],
    h.history.map((e) => [time(e.at), e.status, e.attempt, e.workerId, e.reason]),
  );
}

export function queuesTable(q: Queues): string {
  const rows = q.queues.flatMap((x) => x.byPriority.map((d) => [d.queue, d.priority, d.queueType, d.pending, d.running]));
  const body = rows.length > 0 ? table(['QUEUE', 'PRIORITY', 'TYPE', 'PENDING', 'RUNNING'], rows) : 'no pending or running tasks';
  return `${body}\ndead-lettered: ${q.deadLettered}`;
}

export function healthText(h: Health): string {
  const checks = Object.entries(h.checks)
    .map(([k, ok]) => `${k} ${ok ? 'ok' : 'FAIL'}`)
    .join(', ');
  const metrics = Object.entries(h.metrics)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return fields([
    ['status', h.status],
    ['checks', checks],
    ['metrics', metrics],
    ...h.warnings.map((w): [string, string] => ['warning', w]),
  ]);
}
