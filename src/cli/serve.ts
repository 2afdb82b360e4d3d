/** `hangar up | server | worker`: run a Hangar process until SIGTERM or SIGINT. */
import type { Config } from '../config/index.ts';
import { coerceError } from '../errors/index.ts';
import { startPlatform, type Platform, type Roles } from '../runtime/index.ts';

export async function serve(config: Config, roles: Roles): Promise<void> {
  // Signals are handled from the first moment: the API answers before start-up has finished
  // (the workers' sandbox proof runs after it listens), and a SIGTERM then must still be graceful.
  let platform: Platform | null = null;
  let stopRequested: string | null = null;
  let signals = 0;
  const stop = (sig: string) => {
    if (++signals > 1) process.exit(130);
    stopRequested = sig;
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  platform = await startPlatform(config, roles);
  if (platform.url) process.stdout.write(`hangar: API on ${platform.url} (docs at ${platform.url}/docs)\n`);
  if (platform.pool) process.stdout.write(`hangar: worker ${platform.pool.id} running ${platform.pool.concurrency} tasks at a time\n`);
  if (stopRequested) {
    signals = 0;
    stop(stopRequested);
  }
}
