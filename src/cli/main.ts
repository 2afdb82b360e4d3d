/** The `hangar` command line: server roles (`up`, `server`, `worker`) and API client commands. */
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { accessCommands } from './commands/access.ts';
import { reportError } from './commands/common.ts';
import { imageCommands } from './commands/image.ts';
import { opsCommands } from './commands/ops.ts';
import { functionCommands } from './commands/functions.ts';
import { domainNameCommands } from './commands/domain-names.ts';
import { httpApiCommands } from './commands/http-apis.ts';
import { workflowCommands } from './commands/workflows.ts';
import { activityCommands } from './commands/activities.ts';
import { layerCommands } from './commands/layers.ts';
import { projectCommands } from './commands/projects.ts';
import { rekeyCommand } from './commands/rekey.ts';
import { submitCommand } from './commands/submit.ts';
import { taskCommands } from './commands/tasks.ts';

const program = new Command('hangar')
  .description('Hangar: submit work, run it in sandboxed workers, read results.')
  // Options belong to the command they follow; this also keeps `submit -- prog args` intact.
  .enablePositionalOptions()
  // Usage errors exit 2 (help and --version exit 0); set before any subcommand so they inherit it.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

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

// serve.ts (and with it fastify, SQLite, the executor) is loaded only by the server roles,
// so that client commands start fast.
const serve: typeof import('./serve.ts').serve = async (cfg, roles) => (await import('./serve.ts')).serve(cfg, roles);

serverOptions(program.command('up').description('Run everything on this machine: API, workers, upkeep (embedded default)')).action(
  (flags: Record<string, unknown>) => serve(config(flags), { api: true, workers: true, autoscaler: true }),
);
serverOptions(program.command('server').description('Run an API node (no workers)')).action((flags: Record<string, unknown>) =>
  serve(config(flags), { api: true, workers: false }),
);
serverOptions(program.command('worker').description('Run a worker process (no API)'))
  .option('--queues <list>', 'comma-separated queues to lease from (HANGAR_QUEUES)')
  .action((flags: Record<string, unknown>) => serve(config(flags), { api: false, workers: true }));

serverOptions(program.command('autoscaler').description('Run worker processes on this host, as many as the queue depth needs (no API)'))
  .option('--autoscale-max-workers <n>', 'most worker processes (HANGAR_AUTOSCALE_MAX_WORKERS)')
  .option('--autoscale-min-workers <n>', 'fewest worker processes (HANGAR_AUTOSCALE_MIN_WORKERS)')
  .option('--autoscale-tasks-per-worker <n>', 'queue depth per worker (HANGAR_AUTOSCALE_TASKS_PER_WORKER)')
  .action((flags: Record<string, unknown>) => {
    const cfg = config(flags);
    if (cfg.autoscaleMaxWorkers === 0) {
      process.stderr.write('hangar autoscaler: set HANGAR_AUTOSCALE_MAX_WORKERS (or --autoscale-max-workers) above 0\n');
      process.exit(2);
    }
    return serve(cfg, { api: false, workers: false, autoscaler: true });
  });

serverOptions(
  program
    .command('doctor')
    .description(
      'Which isolation this host offers, proven by one real sandboxed run; with a database URL or a bucket set, whether this host reaches them (exit 1 if any fails)',
    ),
)
  .option('--json', 'print the report as JSON')
  .action(async (flags: Record<string, unknown>) => {
    const { json, ...rest } = flags;
    const { doctor, doctorFailed, doctorWarnings } = await import('./doctor.ts');
    const r = await doctor(config(rest));
    if (json) process.stdout.write(JSON.stringify({ ...r, warnings: doctorWarnings(r) }, null, 2) + '\n');
    else {
      const db = r.database;
      const lines = [
        `sandbox:   ${r.sandbox.available ? `available (${r.sandbox.description}; proof run ${r.sandbox.proofMs} ms)` : r.sandbox.unproven ? 'NOT proven from here' : 'NOT available'}`,
        ...r.sandbox.problems.map((p) => `  - ${p}`),
        `executor:  ${r.executor}`,
        ...(db
          ? [
              `database:  ${db.reachable ? `reachable (${db.version?.split(' ').slice(0, 2).join(' ')}; migrations ${db.migrations?.applied} of ${db.migrations?.known}; clock offset ${db.clockOffsetMs} ms)` : 'NOT reachable'}`,
            ]
          : []),
        ...(r.bucket ? [`bucket:    ${r.bucket.name}: ${r.bucket.writable ? 'written and read back' : 'NOT writable'}`] : []),
        ...(r.functions
          ? [`functions: ${r.functions.reachable ? 'the sandbox reaches their code and runtimes' : 'CANNOT start (see the warning)'}`]
          : []),
        ...doctorWarnings(r).map((w) => `warning:   ${w}`),
        `verdict:   ${r.verdict}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (doctorFailed(r)) process.exitCode = 1;
  });

submitCommand(program);
taskCommands(program);
opsCommands(program);
imageCommands(program, config, serverOptions);
rekeyCommand(program, config, serverOptions);
accessCommands(program);
projectCommands(program);
functionCommands(program);
httpApiCommands(program);
domainNameCommands(program);
workflowCommands(program);
activityCommands(program);
layerCommands(program);

// Help points at the reference pages (docs/ of this installation, linked from the README).
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const PAGES = [
  ['running.md', 'install, start, stop'],
  ['api.md', 'the HTTP API, every endpoint, errors, live output'],
  ['cli.md', 'these commands at work'],
  ['projects-and-terminals.md', 'projects and terminals'],
  ['isolation.md', 'the sandbox, cgroups, egress, images, systemd'],
  ['scale-out.md', 'PostgreSQL, S3, many nodes; the autoscaler'],
  ['observability.md', 'dashboard, metrics, logs, traces, health, alerts'],
  ['settings.md', 'every setting: variable, flag, default'],
  ['layout.md', 'where the code is'],
  ['benchmarks.md', 'current benchmark results; how to run them'],
] as const;
program.addHelpText('after', `\nReference (in ${DOCS}):\n${PAGES.map(([page, what]) => `  ${page.padEnd(27)} ${what}`).join('\n')}`);
const ACCESS = 'api.md, "Users, keys, quotas, secrets and the audit log"';
const COMMAND_PAGES: Record<string, readonly string[]> = {
  up: ['running.md', 'settings.md'],
  server: ['scale-out.md', 'settings.md'],
  worker: ['scale-out.md', 'isolation.md', 'settings.md'],
  autoscaler: ['scale-out.md, "Autoscaling"', 'settings.md'],
  doctor: ['isolation.md', 'scale-out.md'],
  rekey: ['running.md, "Rotating the secrets master key"', 'settings.md'],
  config: ['settings.md'],
  health: ['observability.md, "Health"'],
  image: ['isolation.md, "Images"'],
  whoami: [ACCESS],
  key: [ACCESS],
  secret: [ACCESS],
  audit: [ACCESS],
  project: ['projects-and-terminals.md'],
  terminal: ['projects-and-terminals.md'],
};
for (const cmd of program.commands) {
  const pages = COMMAND_PAGES[cmd.name()] ?? ['cli.md', 'api.md'];
  cmd.addHelpText('after', `\nReference:\n${pages.map((page) => `  ${DOCS}${page}`).join('\n')}`);
}

program.parseAsync().catch((err: unknown) => {
  process.exit(reportError(err));
});
