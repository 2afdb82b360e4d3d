/** Step Functions activities: /activities (src/api/routes/activities.ts). */
import { enc, Resource } from './core.ts';

/** An activity as /activities shows it. */
export interface ActivityInfo {
  userId: string;
  name: string;
  /** For a Task state's Resource. */
  arn: string;
  createdAt: string;
}

/** A task a worker took: answer it at /task-tokens/success, /failure or /heartbeat. */
export interface ActivityTaskInfo {
  token: string;
  input: unknown;
}

/** The server holds a poll up to 60 s: the client waits a little longer than that. */
const POLL_TIMEOUT_MS = 70_000;

export class Activities extends Resource {
  create(body: { name: string; tags?: { key: string; value: string }[] }, userId?: string): Promise<ActivityInfo> {
    return this.transport.json('POST', '/activities', { query: { userId }, body });
  }

  /** Its tags, keys to values (/activities/{name}/tags). */
  tags(name: string, userId?: string): Promise<{ tags: Record<string, string> }> {
    return this.transport.json('GET', `/activities/${enc(name)}/tags`, { query: { userId } });
  }

  /** Adds tags, or gives the keys it has new values; answers its tags now. */
  tag(name: string, tags: Record<string, string>, userId?: string): Promise<{ tags: Record<string, string> }> {
    return this.transport.json('POST', `/activities/${enc(name)}/tags`, { query: { userId }, body: { tags } });
  }

  /** Removes the tags of those keys; answers its tags now. */
  untag(name: string, keys: string[], userId?: string): Promise<{ tags: Record<string, string> }> {
    // ?key=a&key=b: the query the transport builds holds one value a name.
    const q = new URLSearchParams();
    for (const k of keys) q.append('key', k);
    if (userId !== undefined) q.set('userId', userId);
    return this.transport.json('DELETE', `/activities/${enc(name)}/tags?${q}`, {});
  }

  get(name: string, userId?: string): Promise<ActivityInfo> {
    return this.transport.json('GET', `/activities/${enc(name)}`, { query: { userId } });
  }

  list(q: { userId?: string; cursor?: string; limit?: number } = {}): Promise<{ activities: ActivityInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', '/activities', { query: q });
  }

  delete(name: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/activities/${enc(name)}`, { query: { userId } });
  }

  /** GetActivityTask: the oldest task scheduled on it, or null when none came within the wait. */
  async poll(name: string, o: { workerName?: string; userId?: string } = {}): Promise<ActivityTaskInfo | null> {
    const r: { task: ActivityTaskInfo | null } = await this.transport.json('POST', `/activities/${enc(name)}/poll`, {
      query: { userId: o.userId, workerName: o.workerName },
      signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
    });
    return r.task;
  }
}
