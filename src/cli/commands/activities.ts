/** `hangar activity create|list|get|rm|poll`: Step Functions activities through /activities
 *  (src/api/routes/activities.ts). A worker answers what `poll` took with the token it prints
 *  (POST /task-tokens/success, or SendTaskSuccess on the AWS API). */
import type { Command } from 'commander';
import type { ActivityInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { type ClientFlags, clientFor, clientOptions, int, print, printJson } from './common.ts';

type UserFlags = ClientFlags & { user?: string };

const activityFields = (a: ActivityInfo) =>
  fields([
    ['name', a.name],
    ['user', a.userId],
    ['arn', a.arn],
    ['created', time(a.createdAt)],
    ['tags', a.tags.length > 0 ? a.tags.map((t) => `${t.key}=${t.value}`).join(', ') : null],
  ]);

export function activityCommands(program: Command): void {
  const act = program
    .command('activity')
    .description('Step Functions activities: work a Task state hands to workers that poll for it, on any machine');

  clientOptions(
    act
      .command('create')
      .description('Create an activity (the same name again answers the existing one)')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, flags: UserFlags) => {
    const a = await clientFor(flags).activities.create({ name }, flags.user);
    if (flags.json) return printJson(a);
    print(`${a.name}: ${a.arn}`);
  });

  clientOptions(
    act
      .command('list')
      .description('Activities by name (a user key: its own)')
      .option('--limit <n>', 'at most this many', int)
      .option('--user <id>', "admin keys: this user's"),
  ).action(async (flags: UserFlags & { limit?: number }) => {
    const page = await clientFor(flags).activities.list({ userId: flags.user, limit: flags.limit });
    if (flags.json) return printJson(page);
    print(
      page.activities.length > 0
        ? table(
            ['ACTIVITY', 'ARN', 'CREATED'],
            page.activities.map((a) => [a.name, a.arn, time(a.createdAt)]),
          )
        : 'no activities (hangar activity create <name>)',
    );
  });

  clientOptions(
    act.command('get').description('An activity').argument('<name>').option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, flags: UserFlags) => {
    const a = await clientFor(flags).activities.get(name, flags.user);
    if (flags.json) return printJson(a);
    print(activityFields(a));
  });

  clientOptions(
    act
      .command('rm')
      .description('Delete an activity (tasks already scheduled on it wait until their timeouts)')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, flags: UserFlags) => {
    const r = await clientFor(flags).activities.delete(name, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}: deleted`);
  });

  clientOptions(
    act
      .command('poll')
      .description('Take the oldest task scheduled on the activity, waiting up to 60 s; prints its token and input (JSON)')
      .argument('<name>')
      .option('--worker <name>', 'the worker name its history shows (ActivityStarted)')
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, flags: UserFlags & { worker?: string }) => {
    const task = await clientFor(flags).activities.poll(name, { workerName: flags.worker, userId: flags.user });
    if (flags.json || task) return printJson({ task });
    print('no task within the wait');
  });
}
