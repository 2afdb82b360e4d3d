/** What doctor and every node's start-up say about the database server's settings (no pg import here). */

/** The server's autovacuum is off (`current_setting('autovacuum')`). */
export const AUTOVACUUM_OFF =
  "the database's autovacuum is off: the dead row versions every claim and finish leaves behind are never reclaimed, and dispatch slows as they pile up; turn it on (autovacuum = on) or VACUUM Hangar's tables regularly";
