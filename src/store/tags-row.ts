/** A resource_tags row's tags (a JSON object as text on both backends, so its keys keep their order). */
import type { TagMap } from '../core/index.ts';
import type { Row } from './row.ts';

export const tagsFromRow = (row: Row | undefined): TagMap => (row ? (JSON.parse(String(row.tags)) as TagMap) : {});
