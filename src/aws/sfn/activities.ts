/**
 * Step Functions' activity operations: CreateActivity, DescribeActivity, ListActivities,
 * DeleteActivity, and GetActivityTask, the workers' long poll (app/activities.ts). A worker
 * answers the task it took with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat
 * (tasks.ts), by the token GetActivityTask gave it. An activity's encryptionConfiguration is
 * AWS_OWNED_KEY only (settings.ts).
 */
import { createTaggedActivity, deleteActivity, getActivity, getActivityTask, listActivities, MAX_PAGE } from '../../app/index.ts';
import type { Activity } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCaller } from '../service.ts';
import { activityArn, activityNameOf } from './arns.ts';
import type { SfnContext } from './context.ts';
import type { JsonOperation } from './operation.ts';
import { aboutResource, tagListOf } from './tags.ts';
import { AWS_OWNED_KEY, checkEncryption } from './settings.ts';
import { date, field, nameOf, pageSizeOf, pageToken, paged } from './shapes.ts';

const listed = (c: AwsCaller, a: Activity) => ({ activityArn: activityArn(c, a.name), name: a.name, creationDate: date(a.createdAt) });

export function activityOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'CreateActivity',
      async run(call, body) {
        const name = nameOf(field.required(body, 'name'), 'activity') as string;
        checkEncryption(body);
        const tags = tagListOf(body);
        const { activity } = await aboutResource(activityArn(call.caller, name), () =>
          createTaggedActivity(ctx, userOf(call.caller), { name, tags }),
        );
        return { activityArn: activityArn(call.caller, activity.name), creationDate: date(activity.createdAt) };
      },
    },
    {
      name: 'DescribeActivity',
      async run(call, body) {
        const a = await getActivity(ctx, userOf(call.caller), activityNameOf(call.caller, body.activityArn));
        return { ...listed(call.caller, a), encryptionConfiguration: AWS_OWNED_KEY };
      },
    },
    {
      name: 'ListActivities',
      async run(call, body) {
        const op = 'ListActivities';
        const after = pageToken.read<string>(op, field.string(body, 'nextToken'), 'string');
        const page = await paged(
          pageSizeOf(body),
          (limit) => listActivities(ctx, userOf(call.caller), { limit, after }),
          (a) => a.name,
          op,
          MAX_PAGE,
        );
        return {
          activities: page.items.map((a) => listed(call.caller, a)),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'DeleteActivity',
      async run(call, body) {
        // As DeleteStateMachine: one that is not there (any more) is deleted already.
        await deleteActivity(ctx, userOf(call.caller), activityNameOf(call.caller, body.activityArn));
        return {};
      },
    },
    {
      name: 'GetActivityTask',
      // A data-plane call AWS keeps out of CloudTrail.
      audited: false,
      async run(call, body) {
        const name = activityNameOf(call.caller, body.activityArn);
        const workerName = field.string(body, 'workerName', 80) ?? null;
        const task = await getActivityTask(ctx, userOf(call.caller), name, workerName, call.signal);
        // None came within the wait: AWS answers without a token (the SDKs read it as absent).
        return task ? { taskToken: task.token, input: task.input } : {};
      },
    },
  ];
}
