/** `hangar up | server | worker`: run a Hangar process until SIGTERM or SIGINT. */
import type { Config } from '../config/index.ts';
import { coerceError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import { startPlatform, type Platform, type Roles } from '../runtime/index.ts';
import type { FromWorker, ToWorker } from '../autoscale/local.ts';

/**
 * A worker started by the autoscaler (an IPC channel to its parent): says when it leases,
 * retires only when idle (the pool decides, so no task is cut short), takes wake-up nudges,
 * and drains when the parent goes away.
 */
function listenToAutoscaler(platform: Platform, stop: (why: string) => void): void {
  const pool = platform.pool!;
  const send = (m: FromWorker) => process.send?.(m);
  process.on('message', (m: ToWorker) => {
    if (m.type === 'wake') pool.nudge();
    else if (m.type === 'metrics') void platform.metrics.workerSnapshot().then((metrics) => send({ type: 'metrics', seq: m.seq, metrics }));
    else if (m.type === 'retire') {
      const ok = pool.retireIfIdle(m.idleForMs);
      if (!ok) return send({ type: 'retired', seq: m.seq, ok });
      // Idle and no longer leasing: these are its final counts.
      void platform.metrics.workerSnapshot().then((metrics) => {
        send({ type: 'retired', seq: m.seq, ok, metrics });
        platform.log.info({ idleForMs: m.idleForMs }, 'retired by the autoscaler');
        stop('retire');
      });
    }
  });
  process.on('disconnect', () => stop('parent gone'));
  send({ type: 'ready', workerId: pool.id });
}

/**
 * A server role lives until it is told to stop, whatever its parts happen to hold open. The
 * pool's, the store's and the upkeep's timers are unref()'d (a library user or a test decides
 * its own lifetime), so an idle `hangar worker` was kept alive only by its LISTEN connection,
 * or on SQLite by nothing: when PostgreSQL went away it ended at once, status 0, and a
 * supervisor that restarts on failure left it down. This timer holds the event loop until
 * process.exit; should the loop empty all the same (a bug), that is a failure, said and exited
 * 1, never a silent success.
 */
function holdUntilStopped(stopping: () => boolean, log: () => Logger | undefined): void {
  setInterval(() => {}, 2 ** 31 - 1);
  process.on('beforeExit', () => {
    if (stopping()) return;
    const why = 'the event loop emptied while serving (nothing left to run, and no stop was asked for)';
    const l = log();
    if (l) l.fatal(why);
    else process.stderr.write(`hangar: ${why}\n`);
    process.exit(1);
  });
}

/** Two deliveries of one signal arrive within this many ms of each other. */
const DOUBLE_DELIVERY_MS = 500;
/** How often the parent is looked for (HANGAR_EXIT_WITH_PARENT), ms. */
const PARENT_CHECK_MS = 1000;

/**
 * HANGAR_EXIT_WITH_PARENT: stop when the process that started this one is gone. `npm start`
 * passes SIGTERM and SIGINT on (its script execs node, so there is no shell in between to
 * swallow them), but an npm killed outright (SIGKILL, a crash) passes nothing on, and the
 * platform went on serving the port, orphaned. Linux tells a child its parent died only by
 * reparenting it (to init or a subreaper), and Node offers no prctl(PR_SET_PDEATHSIG): so
 * this looks at the parent pid once a second.
 */
function stopWithParent(stop: (why: string) => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop('parent gone');
  }, PARENT_CHECK_MS);
  timer.unref();
}

export async function serve(config: Config, roles: Roles): Promise<void> {
  // Signals are handled from the first moment: the API answers before start-up has finished
  // (the workers' sandbox proof runs after it listens), and a SIGTERM then must still be graceful.
  let platform: Platform | null = null;
  let stopRequested: string | null = null;
  let firstStopAt = 0;
  /** Drains and exits 0 (once, whoever asks: a signal, the autoscaler, a parent gone). */
  const stop = (why: string) => {
    if (stopRequested !== null) return;
    stopRequested = why;
    firstStopAt = Date.now();
    startStop(why);
  };
  const onSignal = (sig: string) => {
    // A second signal means "now", unless it is the first one delivered twice: a terminal
    // sends Ctrl-C's SIGINT to the whole process group, and `npm start` forwards the copy it
    // got to this process too, a few ms later.
    if (stopRequested !== null && Date.now() - firstStopAt >= DOUBLE_DELIVERY_MS) process.exit(130);
    stop(sig);
  };
  const startStop = (sig: string) => {
    if (!platform) return; // Start-up finishes first, then stops.
    const p = platform;
    p.log.info({ sig }, 'shutting down');
    p.close().then(
      () => process.exit(0),
      (err: unknown) => {
        p.log.error({ err: coerceError(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  holdUntilStopped(
    () => stopRequested !== null,
    () => platform?.log,
  );
  if (config.exitWithParent) stopWithParent(stop);
  platform = await startPlatform(config, roles);
  if (process.send && platform.pool) listenToAutoscaler(platform, stop);
  if (platform.url) process.stdout.write(`hangar: API on ${platform.url} (docs at ${platform.url}/docs)\n`);
  if (platform.pool) process.stdout.write(`hangar: worker ${platform.pool.id} running ${platform.pool.concurrency} tasks at a time\n`);
  if (platform.autoscaler) {
    const c = platform.config;
    process.stdout.write(
      `hangar: autoscaler running ${c.autoscaleMinWorkers}-${c.autoscaleMaxWorkers} worker processes of ${c.workers} task slots each\n`,
    );
  }
  if (stopRequested) startStop(stopRequested);
}
