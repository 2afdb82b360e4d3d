/** The one pino root logger; subsystems take child loggers bound to their scope. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { pid: process.pid } }, destination ?? pino.destination(2));
}
