/** The resource tags port on SQLite (ports/tags.ts): one row per tagged resource, its tags a JSON object. */
import { mergeTags, type TagMap, type TagRules, withoutTags } from '../../core/index.ts';
import type { ResourceTags } from '../ports/tags.ts';
import type { Row } from '../row.ts';
import { tagsFromRow } from '../tags-row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, resource. */
const SELECT = `SELECT tags FROM resource_tags WHERE user_id = ? AND resource = ?`;
/** user_id, resource, tags. */
const UPSERT = `INSERT INTO resource_tags (user_id, resource, tags) VALUES (?, ?, ?)
  ON CONFLICT (user_id, resource) DO UPDATE SET tags = excluded.tags`;
/** user_id, resource. */
const DELETE = `DELETE FROM resource_tags WHERE user_id = ? AND resource = ?`;

export class SqliteResourceTags implements ResourceTags {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async getTags(userId: string, resource: string): Promise<TagMap> {
    return this.read(userId, resource);
  }

  async tagResource(userId: string, resource: string, tags: TagMap, rules: Pick<TagRules, 'maxTags'>): Promise<TagMap> {
    // One write at a time: the read, the decision and the write are one change.
    return this.ctx.writes.run(() => this.write(userId, resource, mergeTags(this.read(userId, resource), tags, rules)));
  }

  async untagResource(userId: string, resource: string, keys: readonly string[]): Promise<TagMap> {
    return this.ctx.writes.run(() => this.write(userId, resource, withoutTags(this.read(userId, resource), keys)));
  }

  private read(userId: string, resource: string): TagMap {
    return tagsFromRow(this.ctx.stmt(SELECT).get(userId, resource) as Row | undefined);
  }

  private write(userId: string, resource: string, tags: TagMap): TagMap {
    return putTags(this.ctx, userId, resource, tags);
  }
}

/** Inside a write (this port's, or another's that writes a resource and its tags at once): the
 *  resource's tags become `tags` (none: no row). */
export function putTags(ctx: SqliteContext, userId: string, resource: string, tags: TagMap): TagMap {
  if (Object.keys(tags).length === 0) ctx.stmt(DELETE).run(userId, resource);
  else ctx.stmt(UPSERT).run(userId, resource, JSON.stringify(tags));
  return tags;
}
