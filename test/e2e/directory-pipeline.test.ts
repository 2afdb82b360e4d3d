/**
 * Issue 24's example on both shapes, one after the other (each runs a Hangar of its own with ten
 * cold starts at once; side by side on a 2-core runner they starved each other):
 * test/helpers/directory-pipeline.ts. Embedded: `hangar up`, the directory in SQLite FTS5.
 * Scale-out: `hangar server` + `hangar worker` on PostgreSQL and S3, the directory in PostgreSQL
 * with full-text search, reached through the egress proxy.
 */
import { describeDirectoryPipeline } from '../helpers/directory-pipeline.ts';

describeDirectoryPipeline('embedded');
describeDirectoryPipeline('scale-out');
