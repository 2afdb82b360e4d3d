/** An express_starts row as the port answers it (both backends). */
import type { ExpressStart } from './ports/express-starts.ts';
import type { Row } from './row.ts';

export const expressStartFromRow = (r: Row): ExpressStart => ({
  id: String(r.id),
  userId: String(r.user_id),
  stateMachineName: String(r.state_machine_name),
  name: String(r.name),
  definition: String(r.definition),
  roleArn: String(r.role_arn),
  input: String(r.input),
  startedAt: Number(r.started_at),
  runs: Number(r.runs),
});

/** Claimed rows, oldest start first (RETURNING keeps no order). */
export const byStart = (rows: ExpressStart[]): ExpressStart[] => rows.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
