/** The resource tags port on PostgreSQL (ports/tags.ts): one row per tagged resource, its tags a JSON object as text. */
import { mergeTags, type TagMap, type TagRules, withoutTags } from '../../core/index.ts';
import type { ResourceTags } from '../ports/tags.ts';
import { tagsFromRow } from '../tags-row.ts';
import type { Db, Tx } from './db.ts';

/** user_id, resource. */
const SELECT = `SELECT tags FROM resource_tags WHERE user_id = $1 AND resource = $2`;
/** user_id, resource: makes the row a change locks (FOR UPDATE needs one to lock), '{}' until written. */
const ENSURE = `INSERT INTO resource_tags (user_id, resource, tags) VALUES ($1, $2, '{}') ON CONFLICT (user_id, resource) DO NOTHING`;
/** user_id, resource: the row, locked until the change commits, so concurrent changes take turns. */
const LOCK = `SELECT tags FROM resource_tags WHERE user_id = $1 AND resource = $2 FOR UPDATE`;
/** user_id, resource, tags. */
const UPDATE = `UPDATE resource_tags SET tags = $3 WHERE user_id = $1 AND resource = $2`;
/** user_id, resource. */
const DELETE = `DELETE FROM resource_tags WHERE user_id = $1 AND resource = $2`;
/** user_id, resource, tags: they replace the resource's whole. */
const UPSERT = `INSERT INTO resource_tags (user_id, resource, tags) VALUES ($1, $2, $3)
  ON CONFLICT (user_id, resource) DO UPDATE SET tags = excluded.tags`;

export class PgResourceTags implements ResourceTags {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async getTags(userId: string, resource: string): Promise<TagMap> {
    const [row] = await this.db.rows(SELECT, [userId, resource]);
    return tagsFromRow(row);
  }

  tagResource(userId: string, resource: string, tags: TagMap, rules: Pick<TagRules, 'maxTags'>): Promise<TagMap> {
    return this.change(userId, resource, (current) => mergeTags(current, tags, rules));
  }

  untagResource(userId: string, resource: string, keys: readonly string[]): Promise<TagMap> {
    return this.change(userId, resource, (current) => withoutTags(current, keys));
  }

  /** Reads the resource's tags under a lock, and writes what `next` makes of them (none: no row). */
  private change(userId: string, resource: string, next: (current: TagMap) => TagMap): Promise<TagMap> {
    return this.db.tx(async (tx: Tx) => {
      await tx.query(ENSURE, [userId, resource]);
      const [row] = await tx.query(LOCK, [userId, resource]);
      const tags = next(tagsFromRow(row));
      if (Object.keys(tags).length === 0) await tx.query(DELETE, [userId, resource]);
      else await tx.query(UPDATE, [userId, resource, JSON.stringify(tags)]);
      return tags;
    });
  }
}

/** Inside another port's transaction that writes a resource and its tags at once: the
 *  resource's tags become `tags` (none: no row). */
export async function putTags(tx: Tx, userId: string, resource: string, tags: TagMap): Promise<void> {
  if (Object.keys(tags).length === 0) await tx.query(DELETE, [userId, resource]);
  else await tx.query(UPSERT, [userId, resource, JSON.stringify(tags)]);
}
