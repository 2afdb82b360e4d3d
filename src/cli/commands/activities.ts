/** `hangar activity create|list|get|rm|poll|tag|untag`: Step Functions activities through /activities
 *  (src/api/routes/activities.ts). A worker answers what `poll` took with the token it prints
 *  (POST /task-tokens/success, or SendTaskSuccess on the AWS API). */
import type { Command } from 'commander';
import type { ActivityInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { type ClientFlags, clientFor, clientOptions, envPair, int, print, printJson } from './common.ts';

type UserFlags = ClientFlags & { user?: string };

const tagsText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || null;

const activityFields = (a: ActivityInfo, tags: Record<string, string>) =>
  fields([
    ['name', a.name],
    ['user', a.userId],
    ['arn', a.arn],
    ['created', time(a.createdAt)],
    ['tags', tagsText(tags)],
  ]);

export function activityCommands(program: Command): void {
  const act = program
    .command('activity')
    .description('Step Functions activities: work a Task state hands to workers that poll for it, on any machine');

  clientOptions(
    act
      .command('create')
      .description('Create an activity (the same name again answers the existing one, its tags unchanged)')
      .argument('<name>')
      .option('--tag <key=value>', 'a tag (repeatable)', envPair)
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, flags: UserFlags & { tag?: Record<string, string> }) => {
    const tags = flags.tag && Object.entries(flags.tag).map(([key, value]) => ({ key, value }));
    const a = await clientFor(flags).activities.create({ name, tags }, flags.user);
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
    const client = clientFor(flags);
    const a = await client.activities.get(name, flags.user);
    if (flags.json) return printJson(a);
    print(activityFields(a, (await client.activities.tags(name, flags.user)).tags));
  });

  clientOptions(
    act
      .command('tag')
      .description("Add tags to an activity, or give the keys it has new values (Step Functions' TagResource); prints its tags")
      .argument('<name>')
      .argument('<key=value...>', 'tags to set', (v: string, acc?: Record<string, string>) => envPair(v, acc))
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, tags: Record<string, string>, flags: UserFlags) => {
    const r = await clientFor(flags).activities.tag(name, tags, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}: ${tagsText(r.tags) ?? 'no tags'}`);
  });

  clientOptions(
    act
      .command('untag')
      .description('Remove the tags of those keys from an activity (keys it does not have are no matter); prints its tags')
      .argument('<name>')
      .argument('<key...>')
      .option('--user <id>', 'admin keys: whose activity'),
  ).action(async (name: string, keys: string[], flags: UserFlags) => {
    const r = await clientFor(flags).activities.untag(name, keys, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}: ${tagsText(r.tags) ?? 'no tags'}`);
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
