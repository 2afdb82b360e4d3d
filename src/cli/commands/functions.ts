/** `hangar function deploy|list|get|invoke|rm` (docs/cli.md): a user's functions over /functions;
 *  versions, aliases and concurrency are function-versions.ts's, provisioned concurrency
 *  function-provisioned.ts's, the circuit breaker function-circuit-breaker.ts's, logs
 *  function-logs.ts's. */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FunctionCodeSource, FunctionDeploy, FunctionInfo } from '../client/index.ts';
import { bytes, fields, table, time } from '../render.ts';
import { clientFor, clientOptions, envPair, int, listOf, note, print, printJson, type ClientFlags } from './common.ts';
import { functionLogsCommand } from './function-logs.ts';
import { functionCircuitBreakerCommand } from './function-circuit-breaker.ts';
import { functionProvisionedCommands } from './function-provisioned.ts';
import { functionVersionCommands } from './function-versions.ts';

type UserFlags = ClientFlags & { user?: string };

const functionRows = (fs: FunctionInfo[]) =>
  table(
    ['NAME', 'RUNTIME', 'HANDLER', 'MEMORY', 'TIMEOUT', 'CODE', 'MODIFIED'],
    fs.map((f) => [f.name, f.runtime, f.handler, `${f.memoryMb} MB`, `${f.timeoutS} s`, bytes(f.code.size), time(f.lastModified)]),
  );

function functionFields(f: FunctionInfo): string {
  const env = Object.entries(f.environment);
  return fields([
    ['function', f.name],
    ['user', f.userId],
    ['version', f.version],
    ['state', f.state],
    ['runtime', f.runtime],
    ['handler', f.handler],
    ['memory', `${f.memoryMb} MB`],
    ['timeout', `${f.timeoutS} s`],
    ['network', f.network],
    [
      'logs',
      f.logging.format === 'JSON' ? `JSON (application ${f.logging.applicationLogLevel}, system ${f.logging.systemLogLevel})` : 'Text',
    ],
    ['environment', env.length > 0 ? env.map(([k, v]) => `${k}=${v}`).join(' ') : null],
    ['secrets', f.secrets.length > 0 ? f.secrets.join(' ') : null],
    ['description', f.description || null],
    ['image', f.image ? imageLine(f.image) : null],
    ['code', `${bytes(f.code.size)} sha256 ${f.code.sha256}`],
    ['code url', f.code.url],
    ['versions', f.versions],
    ['modified', time(f.lastModified)],
  ]);
}

/** An image function's image and overrides, on one line. */
const imageLine = (i: NonNullable<FunctionInfo['image']>) =>
  [
    i.uri === i.name ? i.name : `${i.uri} (${i.name})`,
    ...(i.entryPoint ? [`entrypoint ${i.entryPoint.join(' ')}`] : []),
    ...(i.command ? [`command ${i.command.join(' ')}`] : []),
    ...(i.workingDirectory ? [`workdir ${i.workingDirectory}`] : []),
  ].join(', ');

/** The code to send: a zip file as it is, a directory zipped here, or a project version the
 *  server zips (`ID` or `ID@VERSION`). Giving none or more than one is a usage error (exit 2, as
 *  commander's own). */
async function codeOf(flags: CodeFlags, cmd: Command): Promise<FunctionCodeSource> {
  if ([flags.zip, flags.dir, flags.project, flags.image].filter((f) => f !== undefined).length !== 1) {
    cmd.error('error: give the code as --zip FILE, --dir DIR, --project ID[@VERSION] or --image NAME (one of them)');
  }
  if (flags.image !== undefined) return imageOf(flags, cmd);
  if (flags.entryPoint !== undefined || flags.command !== undefined || flags.workdir !== undefined)
    cmd.error('error: --entry-point, --command and --workdir go with --image');
  if (flags.project !== undefined) {
    const m = /^([A-Za-z0-9_-]{1,128})(?:@([1-9][0-9]{0,8}))?$/.exec(flags.project);
    if (!m) cmd.error(`error: --project takes a project id, optionally @version (abc@3), not ${flags.project}`);
    const [, projectId = '', version] = m;
    return { projectId, ...(version ? { version: Number(version) } : {}) };
  }
  return zipFrom(flags, cmd);
}

type CodeFlags = {
  zip?: string;
  dir?: string;
  project?: string;
  image?: string;
  entryPoint?: string;
  command?: string;
  workdir?: string;
  runtime?: string;
  handler?: string;
};

/** A container image imported on the server (its name or an ImageUri) and the ImageConfig the
 *  flags give: --entry-point and --command are command lines split on spaces, as ENTRYPOINT's
 *  and CMD's shell-less forms list them. No runtime or handler: the image brings them. */
function imageOf(flags: CodeFlags, cmd: Command): FunctionCodeSource {
  if (flags.runtime !== undefined || flags.handler !== undefined)
    cmd.error('error: a function packaged as an image takes no --runtime or --handler: its image brings them');
  const words = (line: string) => line.split(' ').filter((w) => w !== '');
  const given = flags.entryPoint !== undefined || flags.command !== undefined || flags.workdir !== undefined;
  return {
    image: flags.image ?? '',
    ...(given
      ? {
          imageConfig: {
            ...(flags.entryPoint === undefined ? {} : { entryPoint: words(flags.entryPoint) }),
            ...(flags.command === undefined ? {} : { command: words(flags.command) }),
            ...(flags.workdir === undefined ? {} : { workingDirectory: flags.workdir }),
          },
        }
      : {}),
  };
}

/** A zip file as it is, or a directory zipped here (one of them given; `hangar layer publish` too). */
export async function zipFrom(flags: { zip?: string; dir?: string }, cmd: Command): Promise<Buffer> {
  if (flags.zip !== undefined) return readFileSync(resolve(flags.zip));
  const dir = resolve(flags.dir!);
  if (!statSync(dir).isDirectory()) cmd.error(`error: ${flags.dir} is not a directory`);
  // Loaded only here: no other command needs the zip writer.
  return (await import('../zip.ts')).zipDirectory(dir);
}

/** --log-format and the levels as the API's `logging` (Lambda's spelling: Text, JSON, upper-case
 *  levels); none given: the logging is left as it is. */
function loggingOf(flags: { logFormat?: string; logLevel?: string; systemLogLevel?: string }): FunctionDeploy['logging'] {
  if (flags.logFormat === undefined && flags.logLevel === undefined && flags.systemLogLevel === undefined) return undefined;
  const format = flags.logFormat?.toLowerCase();
  return {
    ...(format === undefined ? {} : { format: format === 'json' ? 'JSON' : format === 'text' ? 'Text' : flags.logFormat }),
    ...(flags.logLevel === undefined ? {} : { applicationLogLevel: flags.logLevel.toUpperCase() }),
    ...(flags.systemLogLevel === undefined ? {} : { systemLogLevel: flags.systemLogLevel.toUpperCase() }),
  };
}

export function functionCommands(program: Command): void {
  const fn = program
    .command('function')
    .description("Functions: a user's Lambda-style handlers, deployed from a zip, a directory or a project version");

  clientOptions(
    fn
      .command('deploy')
      .description('Create a function, or update its code and the settings given (settings not given stay as they are)')
      .argument('<name>')
      .option(
        '--runtime <runtime>',
        'nodejs (nodejs22.x ...), python3 (python3.12 ...) or provided (provided.al2023); needed for a new function',
      )
      .option('--handler <handler>', 'file.export, e.g. index.handler (not for provided)')
      .option('--memory <mb>', 'memory, MB (128-10240; default 128; CPU in proportion)', int)
      .option('--timeout <s>', 'seconds an invocation may run (1-900; default 3)', int)
      .option('--env <KEY=VALUE>', 'environment variable (repeatable; replaces the whole environment)', envPair)
      .option('--secret <name>', "one of the user's secrets, given as an environment variable (repeatable; replaces the list)", listOf)
      .option('--network <mode>', '`none` (default) or `egress` through the guarded proxy, as tasks')
      .option('--log-format <format>', '`text` (default: the output as printed) or `json` (one JSON record a line, as Lambda)')
      .option('--log-level <level>', 'JSON logs: the function records kept (TRACE, DEBUG, INFO, WARN, ERROR, FATAL; default INFO)')
      .option('--system-log-level <level>', 'JSON logs: the platform records kept (DEBUG, INFO, WARN; default INFO)')
      .option('--zip <file>', 'the code: a zip file')
      .option('--dir <dir>', 'the code: a directory, zipped with its files’ modes')
      .option('--project <id[@version]>', "the code: a version of one of the user's projects (default: its latest), zipped by the server")
      .option('--image <name>', 'the code: a container image imported on the server (hangar image import), by name or ImageUri')
      .option('--entry-point <command line>', "--image: replaces the image's ENTRYPOINT (words split on spaces)")
      .option('--command <command line>', "--image: replaces the image's CMD (words split on spaces)")
      .option('--workdir <dir>', "--image: replaces the image's WorkingDir (an absolute path)")
      .option('--user <id>', 'admin keys: whose function'),
  ).action(
    async (
      name: string,
      flags: UserFlags &
        CodeFlags & {
          memory?: number;
          timeout?: number;
          env?: Record<string, string>;
          secret?: string[];
          network?: string;
          logFormat?: string;
          logLevel?: string;
          systemLogLevel?: string;
        },
      cmd: Command,
    ) => {
      const code = await codeOf(flags, cmd);
      const logging = loggingOf(flags);
      const { function: f, created } = await clientFor(flags).functions.deploy(
        name,
        code,
        {
          runtime: flags.runtime,
          handler: flags.handler,
          memoryMb: flags.memory,
          timeoutS: flags.timeout,
          environment: flags.env,
          secrets: flags.secret,
          network: flags.network,
          ...(logging === undefined ? {} : { logging }),
        },
        flags.user,
      );
      if (flags.json) return printJson(f);
      const what = f.image ? `image ${f.image.uri}` : `${f.runtime}, ${bytes(f.code.size)} of code`;
      print(`${f.name}: ${created ? 'created' : 'updated'} (${what}, sha256 ${f.code.sha256})`);
    },
  );

  clientOptions(
    fn
      .command('list')
      .description('Functions by name (a user key: its own)')
      .option('--user <id>', "admin keys: this user's")
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (flags: UserFlags & { limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).functions.list({ userId: flags.user, limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    print(page.functions.length > 0 ? functionRows(page.functions) : 'no functions (hangar function deploy <name> ...)');
    if (page.nextCursor) note(`more functions: hangar function list --cursor ${page.nextCursor}`);
  });

  clientOptions(
    fn
      .command('get')
      .description("A function's configuration and code")
      .argument('<name>')
      .option('--qualifier <q>', '$LATEST (default), a version number or an alias')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UserFlags & { qualifier?: string }) => {
    const f = await clientFor(flags).functions.get(name, { userId: flags.user, qualifier: flags.qualifier });
    if (flags.json) printJson(f);
    else print(functionFields(f));
  });

  clientOptions(
    fn
      .command('invoke')
      .description(
        'Run a function once, synchronously, and print its result (a function error: its error document, exit 1); ' +
          'with --type Event, queue it for a worker and print its request and task ids',
      )
      .argument('<name>')
      .option('--payload <json>', 'the event, JSON (default {})')
      .option('--type <type>', 'RequestResponse (default) or Event (asynchronous: retried, then its destination or the DLQ)')
      .option('--qualifier <q>', '$LATEST (default), a version number or an alias')
      .option('--log', "also print the invocation's log (its last 4 KB: START, output, END, REPORT) to stderr")
      .option('--user <id>', 'admin keys: whose function'),
  ).action(
    async (name: string, flags: UserFlags & { payload?: string; qualifier?: string; log?: boolean; type?: string }, cmd: Command) => {
      if (flags.type !== undefined && flags.type !== 'RequestResponse' && flags.type !== 'Event')
        cmd.error('error: --type must be RequestResponse or Event');
      let payload: Buffer | undefined;
      if (flags.payload !== undefined) {
        try {
          JSON.parse(flags.payload);
        } catch {
          cmd.error('error: --payload must be JSON');
        }
        payload = Buffer.from(flags.payload);
      }
      if (flags.type === 'Event') {
        const q = await clientFor(flags).functions.invokeEvent(name, payload, { qualifier: flags.qualifier, userId: flags.user });
        if (flags.json) printJson(q);
        else print(`${name}: queued (request ${q.requestId}, task ${q.taskId}: hangar status ${q.taskId})`);
        return;
      }
      const r = await clientFor(flags).functions.invoke(name, payload, { qualifier: flags.qualifier, log: flags.log, userId: flags.user });
      if (r.log !== null) process.stderr.write(r.log);
      if (flags.json) printJson({ executedVersion: r.executedVersion, functionError: r.functionError, payload: JSON.parse(r.payload) });
      else print(r.payload);
      // A function that failed is a failed command, as a task that failed.
      if (r.functionError) process.exitCode = 1;
    },
  );

  clientOptions(
    fn
      .command('rm')
      .description('Delete a function with its versions and aliases')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UserFlags) => {
    const r = await clientFor(flags).functions.delete(name, flags.user);
    if (flags.json) printJson(r);
    else print(`${name}: deleted`);
  });
  functionLogsCommand(fn);
  functionVersionCommands(fn);
  functionProvisionedCommands(fn);
  functionCircuitBreakerCommand(fn);
}
