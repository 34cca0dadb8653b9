/** The logger the SDK writes its own diagnostics to (not task logs: those go to `ctx.log`). */
export interface WorkerLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const noop = (): void => {};

/** Default logger: quiet on debug/info, `console.warn`/`console.error` for problems. */
export const consoleLogger: WorkerLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: (message: string, ...args: unknown[]) => console.warn(`[oasis-worker] ${message}`, ...args),
  error: (message: string, ...args: unknown[]) => console.error(`[oasis-worker] ${message}`, ...args),
});

/** Fills the methods a partial logger lacks with no-ops, binding the ones it has. */
export function completeLogger(partial: Partial<WorkerLogger>): WorkerLogger {
  const pick = (level: keyof WorkerLogger): WorkerLogger[typeof level] => {
    const fn = partial[level];
    return typeof fn === 'function' ? fn.bind(partial) : noop;
  };
  return Object.freeze({ debug: pick('debug'), info: pick('info'), warn: pick('warn'), error: pick('error') });
}
