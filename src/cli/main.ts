/** The `hangar` command line. */
import { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { HangarError } from '../errors/index.ts';
import { serve } from './serve.ts';

const program = new Command('hangar').description('Hangar: submit work, run it in sandboxed workers, read results.');

function serverOptions(cmd: Command): Command {
  return cmd
    .option('--port <n>', 'HTTP port (HANGAR_PORT)')
    .option('--host <addr>', 'bind address (HANGAR_HOST)')
    .option('--data-dir <dir>', 'data directory (HANGAR_DATA_DIR)')
    .option('--workers <n>', 'tasks run at once (HANGAR_WORKERS)')
    .option('--config <file>', 'JSON config file (HANGAR_CONFIG)');
}

function config(flags: Record<string, unknown>) {
  const { config: file, ...rest } = flags;
  return loadConfig({ flags: rest, file: typeof file === 'string' ? file : undefined });
}

serverOptions(program.command('up').description('Run everything on this machine: API, workers, upkeep (embedded default)')).action(
  (flags: Record<string, unknown>) => serve(config(flags), { api: true, workers: true }),
);
serverOptions(program.command('server').description('Run an API node (no workers)')).action((flags: Record<string, unknown>) =>
  serve(config(flags), { api: true, workers: false }),
);
serverOptions(program.command('worker').description('Run a worker process (no API)'))
  .option('--queues <list>', 'comma-separated queues to lease from (HANGAR_QUEUES)')
  .action((flags: Record<string, unknown>) => serve(config(flags), { api: false, workers: true }));

program.parseAsync().catch((err: unknown) => {
  const msg = err instanceof HangarError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`hangar: ${msg}\n`);
  process.exit(err instanceof HangarError && err.code === 'CONFIG_INVALID' ? 2 : 1);
});
