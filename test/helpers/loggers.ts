/** Loggers for tests: one that remembers what the admin logged, one that keeps an SDK worker quiet. */
import type { WorkerLogger } from '@oasis/worker-client';
import type { Logger } from '../../server/src/domain/logger.js';

/** One line an admin part logged. */
export interface LoggedLine {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

/** An admin {@link Logger} that keeps each line of `levels` (default all) in `lines`, for assertions. */
export function recordingLogger(levels: readonly string[] = ['debug', 'info', 'warn', 'error']): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (obj: object, msg = '') => {
    if (levels.includes(level)) lines.push({ level, msg, obj: obj as Record<string, unknown> });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An SDK worker logger that says nothing (the tests look at results, not at the worker's diagnostics). */
export const quietWorkerLogger: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} };
