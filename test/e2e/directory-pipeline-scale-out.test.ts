/**
 * Issue 24's example on the scale-out shape (`hangar server` + `hangar worker` on PostgreSQL and
 * S3; the directory in PostgreSQL with full-text search, reached through the egress proxy):
 * test/helpers/directory-pipeline.ts.
 */
import { describeDirectoryPipeline } from '../helpers/directory-pipeline.ts';

describeDirectoryPipeline('scale-out');
