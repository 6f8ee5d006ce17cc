import { pino, type Logger } from 'pino';

export type { Logger };

// Secrets must never reach a log line, wherever they appear in a logged object.
const REDACT = [
  'api_secret',
  'apiSecret',
  'signature',
  '*.api_secret',
  '*.apiSecret',
  '*.signature',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({
    level: options.level,
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
  });
}
