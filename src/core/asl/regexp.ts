/**
 * Users' regular expressions (JSONata's `/re/flags` in `$match`, `$replace`, `$split`,
 * `$contains`) run on the event loop that serves every workflow and every HTTP request, and V8's
 * backtracking engine takes exponential time on patterns such as `^(a+)+$` against
 * `"aaaa…a!"`. They keep JavaScript's semantics (AWS evaluates JSONata in JavaScript) and are
 * bounded two ways:
 *
 * - A pattern V8's linear-time engine can run (most: no lookahead, no backreference, no `i`
 *   flag, no large `{n}` count) is a plain RegExp, and V8 reruns it on that engine when it
 *   backtracks more than 50,000 times (`--enable-experimental-regexp-engine-on-excessive-backtracks`):
 *   `^(a+)+$` on 30 a's and a `!` takes 2 ms instead of hours. No cost on the common path.
 * - Any other pattern runs in a watchdog thread while the event loop's thread waits for at most
 *   REGEXP_TIME_LIMIT_MS; past it the thread is ended (and replaced at once, in the background) and the
 *   expression fails with RegExpTimeLimit. About 20–50 µs an `exec` (measured: 10,000 in 218 ms);
 *   the thread (about 150 ms to start) is started in the background when an expression with
 *   such a pattern is compiled, and kept.
 *
 * "Can the linear engine run it" is V8's own answer: with `--enable-experimental-regexp-engine`
 * a RegExp with the `l` flag throws exactly when it cannot, and that same check decides whether
 * the fallback applies. The flags are process-wide and read when a RegExp is compiled, so they
 * are set before the first expression is compiled (compileExpression), whoever runs it; the
 * patterns jsonata builds itself from a parsed expression (a function signature's, checked
 * against the arguments: `<n+n+n+…>` took more than 30 s on 61 arguments) get the fallback too.
 */
import { setFlagsFromString } from 'node:v8';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** How long one match of a pattern the linear engine cannot run may hold the event loop. */
export const REGEXP_TIME_LIMIT_MS = 1_000;

/**
 * The limit for a pattern that has already run past REGEXP_TIME_LIMIT_MS in this process: a
 * Map whose thousands of iterations each meet the same hostile pattern (with a Catch or a
 * tolerated failure count) would otherwise hold the event loop a second per item. A match
 * that has ever been stopped is far from the tens of microseconds an ordinary one takes.
 */
export const REGEXP_REPEAT_TIME_LIMIT_MS = 50;

/** Patterns (`flags/source`) stopped at a time limit: they run with the shorter one from then on. */
const stopped = new Set<string>();

/** How long the watchdog thread may take to start (when an expression needing it is compiled, or on first use). */
const WATCHDOG_START_LIMIT_MS = 30_000;

/** A match that ran past REGEXP_TIME_LIMIT_MS and was stopped. */
export class RegExpTimeLimit extends Error {
  readonly pattern: string;
  constructor(pattern: string, limitMs: number) {
    super(
      `the regular expression ${pattern} ran longer than ${limitMs} ms and was stopped (a lookahead, a backreference, a large repetition count or the i flag keep a pattern off the linear-time engine, and then it runs with this time limit)`,
    );
    this.name = 'RegExpTimeLimit';
    this.pattern = pattern;
  }
}

let flagsSet = false;

/** Turn on V8's linear-time fallback and its `l` flag (once per process). */
export function enableLinearRegExpFallback(): void {
  if (flagsSet) return;
  flagsSet = true;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  setFlagsFromString('--enable-experimental-regexp-engine');
}

const linear = new Map<string, boolean>();

/** Whether V8's linear-time engine runs this pattern (false too when the flags could not be set). */
export function runsInLinearTime(source: string, flags: string): boolean {
  enableLinearRegExpFallback();
  const key = `${flags}/${source}`;
  let yes = linear.get(key);
  if (yes === undefined) {
    try {
      new RegExp(source, `${flags}l`);
      yes = true;
    } catch {
      yes = false;
    }
    if (linear.size > 10_000) linear.clear();
    linear.set(key, yes);
  }
  return yes;
}

/**
 * jsonata's `RegexEngine` option: jsonata calls `new RegexEngine(parsed)` each time a regex
 * literal is evaluated, then `exec` with `lastIndex`. A function called with `new` that returns
 * an object gives that object: a plain RegExp or a watched one.
 */
export const BoundedRegExp = function boundedRegExp(re: RegExp): RegExp {
  return runsInLinearTime(re.source, re.flags) ? new RegExp(re.source, re.flags) : new WatchedRegExp(re.source, re.flags);
} as unknown as RegExpConstructor;

/** A RegExp whose `exec` (and so `test`, `match`, `replace`, `split` on it) runs in the watchdog thread. */
class WatchedRegExp extends RegExp {
  override exec(text: string): RegExpExecArray | null {
    return watchdog.exec(this, String(text));
  }
}

// The watchdog's protocol (./regexp-worker.ts): a request by message, the reply by message read
// synchronously once slot DONE of the shared flags turns 1.
export const DONE = 0;
export const READY = 1;

export interface ExecRequest {
  source: string;
  flags: string;
  lastIndex: number;
  /** Absent: the same text as the previous request to this thread. */
  text?: string;
}

export type ExecReply =
  | {
      ok: true;
      match: (string | undefined)[] | null;
      index: number;
      groups: Record<string, string | undefined> | undefined;
      lastIndex: number;
    }
  | { ok: false; message: string };

interface Thread {
  worker: Worker;
  port: MessagePort;
  flags: Int32Array;
  /** Whether it said it is ready (it starts in the background; the first exec waits for it). */
  ready: boolean;
  /** The text it holds. */
  text: string | undefined;
}

function spawn(): Thread {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(8);
  const worker = new Worker(new URL('./regexp-worker.ts', import.meta.url), { workerData: { port: port2, signal }, transferList: [port2] });
  // Ended on a time limit or dying with the process: nothing to report, and an unheard
  // 'error' event would end the process.
  worker.on('error', () => {});
  worker.unref();
  return { worker, port: port1, flags: new Int32Array(signal), ready: false, text: undefined };
}

const watchdog = new (class Watchdog {
  private thread: Thread | undefined;

  /** Start the thread in the background, so that the first match does not wait for it (about 150 ms). */
  prepare(): void {
    this.thread ??= spawn();
  }

  exec(re: RegExp, text: string): RegExpExecArray | null {
    const t = this.started();
    const request: ExecRequest = { source: re.source, flags: re.flags, lastIndex: re.lastIndex };
    if (t.text !== text) request.text = t.text = text;
    const key = `${re.flags}/${re.source}`;
    const limit = stopped.has(key) ? REGEXP_REPEAT_TIME_LIMIT_MS : REGEXP_TIME_LIMIT_MS;
    Atomics.store(t.flags, DONE, 0);
    t.port.postMessage(request);
    if (Atomics.wait(t.flags, DONE, 0, limit) === 'timed-out') {
      this.replace();
      if (stopped.size > 10_000) stopped.clear();
      stopped.add(key);
      throw new RegExpTimeLimit(`/${re.source}/${re.flags.replace('g', '')}`, limit);
    }
    const reply = receiveMessageOnPort(t.port)?.message as ExecReply | undefined;
    if (!reply) {
      this.replace();
      throw new Error('the regular expression watchdog gave no answer');
    }
    if (!reply.ok) throw new Error(reply.message);
    re.lastIndex = reply.lastIndex;
    if (reply.match === null) return null;
    return Object.assign(reply.match, { index: reply.index, input: text, groups: reply.groups }) as RegExpExecArray;
  }

  private started(): Thread {
    const t = (this.thread ??= spawn());
    if (!t.ready && Atomics.wait(t.flags, READY, 0, WATCHDOG_START_LIMIT_MS) === 'timed-out') {
      this.replace();
      throw new Error('the regular expression watchdog did not start');
    }
    t.ready = true;
    return t;
  }

  /** End the thread (it may be running a match still) and start another in the background. */
  private replace(): void {
    const t = this.thread;
    if (t) {
      void t.worker.terminate();
      t.port.close();
    }
    this.thread = spawn();
  }
})();

/**
 * Start the watchdog thread if this pattern will need it: called when an expression is compiled
 * (a state machine is created or first run), so that its first match does not wait for the
 * thread to start.
 */
export function prepareFor(source: string, flags: string): void {
  if (!runsInLinearTime(source, flags)) watchdog.prepare();
}
