/** `hangar up | server | worker`: run a Hangar process until SIGTERM or SIGINT. */
import type { Config } from '../config/index.ts';
import { coerceError } from '../errors/index.ts';
import { startPlatform, type Roles } from '../runtime/index.ts';

export async function serve(config: Config, roles: Roles): Promise<void> {
  const platform = await startPlatform(config, roles);
  if (platform.url) process.stdout.write(`hangar: API on ${platform.url} (docs at ${platform.url}/docs)\n`);
  if (platform.pool) process.stdout.write(`hangar: worker ${platform.pool.id} running ${platform.pool.concurrency} tasks at a time\n`);
  let signals = 0;
  const stop = (sig: string) => {
    if (++signals > 1) {
      platform.log.warn({ sig }, 'second signal; exiting now');
      process.exit(130);
    }
    platform.log.info({ sig }, 'shutting down');
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        platform.log.error({ err: coerceError(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
