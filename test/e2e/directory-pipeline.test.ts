/** Issue 24's example on the embedded shape (`hangar up`; the directory in SQLite FTS5): test/helpers/directory-pipeline.ts. */
import { describeDirectoryPipeline } from '../helpers/directory-pipeline.ts';

describeDirectoryPipeline('embedded');
