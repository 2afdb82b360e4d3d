/** `hangar submit [command] [options] [-- program args...]`, optionally waiting for the result. */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { ApiError, FINAL_STATUSES, type HangarClient, type Logs, type SubmitRequest, type Task } from '../client.ts';
import { taskDetails } from '../render.ts';
import { clientFor, clientOptions, int, print, printJson, type ClientFlags } from './common.ts';

interface SubmitFlags extends ClientFlags {
  priority?: number;
  user?: string;
  timeout?: number;
  queue?: string;
  maxAttempts?: number;
  visibilityTimeout?: number;
  metadata?: Record<string, unknown>;
  env?: Record<string, string>;
  cpu?: number;
  memory?: number;
  idempotencyKey?: string;
  shell?: string;
  image?: string;
  egress?: boolean;
  secret?: string[];
  wait?: boolean;
}

function jsonObject(value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('Not valid JSON.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('Must be a JSON object.');
  return v as Record<string, unknown>;
}

function envPair(value: string, acc: Record<string, string> | undefined): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('Expected KEY=VALUE.');
  return { ...acc, [value.slice(0, i)]: value.slice(i + 1) };
}

/**
 * Splits off the program after the first literal `--` before commander sees the arguments
 * (commander drops the `--` itself, so `submit -- echo hi` and `submit echo hi` would look
 * alike). A `--` that is the value of an option (`--shell --`) is not the separator.
 */
function splitProgram(cmd: Command, args: string[]): { own: string[]; program: string[] | null } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return { own: args.slice(0, i), program: args.slice(i + 1) };
    const opt = a.startsWith('-') && !a.includes('=') ? cmd.options.find((o) => o.long === a || o.short === a) : undefined;
    if (opt && (opt.required || opt.optional)) i++;
  }
  return { own: args, program: null };
}

export function submitCommand(program: Command): void {
  let argv: string[] | null = null;
  const cmd = clientOptions(
    program
      .command('submit')
      .description('Submit a task: a built-in workload by name, a --shell string, or a program after --')
      .argument('[command]', 'workload name (cpu-intensive, memory-intensive, io-intensive, network-test, error, timeout, or a custom name); only a label with --shell or --')
      .option('--priority <n>', 'priority 0-10; >= 5 goes to the priority queue', int)
      .option('--user <id>', 'user id the task runs for')
      .option('--timeout <s>', 'seconds before the task is killed (TIMEOUT)', int)
      .option('--queue <name>', 'queue to submit to (default: default)')
      .option('--max-attempts <n>', 'attempts before the task is dead-lettered', int)
      .option('--visibility-timeout <s>', 'seconds a lease lasts without a heartbeat', int)
      .option('--metadata <json>', 'JSON object stored with the task (workloads read parameters from it)', jsonObject)
      .option('--env <KEY=VALUE>', 'environment variable for the program (repeatable)', envPair)
      .option('--cpu <units>', 'CPU units, 1024 = 1 vCPU', int)
      .option('--memory <mb>', 'memory limit, MB', int)
      .option('--idempotency-key <k>', 'same key and body return the same task')
      .option('--shell <string>', 'run a real program: a /bin/sh -c string')
      .option('--image <name>', 'run the program in a registered image (hangar image list)')
      .option('--egress', 'outbound network through the guarded proxy (network: egress)')
      .option('--secret <name>', 'inject your secret <name> as the environment variable <name> (repeatable; hangar secret set)', (v: string, acc: string[] = []) => [...acc, v])
      .option('--wait', 'wait for a final status and print the result (exit 0 only for SUCCESS)')
      .usage('[command] [options] [-- program [args...]]')
      .addHelpText('after', '\nExamples:\n  hangar submit cpu-intensive --priority 7 --wait\n  hangar submit --shell "make test" --timeout 600\n  hangar submit -- echo hello'),
  );
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args: string[]) => {
    const split = splitProgram(cmd, args);
    argv = split.program;
    return parse(split.own);
  };
  cmd.action(async (command: string | undefined, flags: SubmitFlags) => {
    if (argv !== null && argv.length === 0) cmd.error('error: nothing after --; give a program to run, e.g. hangar submit -- echo hello', { exitCode: 2 });
    if (argv && flags.shell !== undefined) cmd.error('error: give --shell or a program after --, not both', { exitCode: 2 });
    if (command === undefined && !argv && flags.shell === undefined) {
      cmd.error('error: nothing to run; give a command (e.g. cpu-intensive), --shell <string> or a program after --', { exitCode: 2 });
    }
    const body: SubmitRequest = {
      command,
      args: argv ?? undefined,
      shell: flags.shell,
      priority: flags.priority,
      userId: flags.user,
      timeout: flags.timeout,
      queue: flags.queue,
      maxAttempts: flags.maxAttempts,
      visibilityTimeout: flags.visibilityTimeout,
      metadata: flags.metadata,
      env: flags.env,
      idempotencyKey: flags.idempotencyKey,
      image: flags.image,
      secrets: flags.secret,
      network: flags.egress ? 'egress' : undefined,
      resources: flags.cpu !== undefined || flags.memory !== undefined ? { cpu: flags.cpu, memory: flags.memory } : undefined,
    };
    const client = clientFor(flags);
    const submitted = await client.submit(body);
    if (!flags.wait) {
      if (flags.json) printJson(submitted);
      else print(submitted.taskId);
      return;
    }
    const task = await waitFor(client, submitted.taskId);
    if (flags.json) printJson(task);
    else await printOutcome(client, task);
    process.exitCode = task.status === 'SUCCESS' ? 0 : 1;
  });
}

/** Polls GET /tasks/{id} every 100-250 ms until the task reaches a final status. */
export async function waitFor(client: HangarClient, id: string): Promise<Task> {
  let delay = 100;
  for (;;) {
    const t = await client.get(id);
    if (FINAL_STATUSES.includes(t.status)) return t;
    await sleep(delay);
    delay = Math.min(250, Math.round(delay * 1.5));
  }
}

/** Status, duration and result on stdout, then the task's own stdout (and stderr on stderr). */
async function printOutcome(client: HangarClient, task: Task): Promise<void> {
  print(taskDetails(task));
  if (task.attempt < 1) return;
  let logs: Logs;
  try {
    logs = await client.logs(task.taskId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return;
    throw err;
  }
  if (logs.stdout) process.stdout.write(`--- stdout (attempt ${logs.attempt}) ---\n${logs.stdout}${logs.stdout.endsWith('\n') ? '' : '\n'}`);
  if (logs.stderr) process.stderr.write(`--- stderr (attempt ${logs.attempt}) ---\n${logs.stderr}${logs.stderr.endsWith('\n') ? '' : '\n'}`);
}
