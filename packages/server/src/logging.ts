// Logs go to stderr only: on stdio, stdout carries the MCP protocol.

import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.MCPKIT_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { name: 'mcpkit', level, base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests, one-shot commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
