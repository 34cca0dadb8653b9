/** Turns handler outcomes into the strings a {@link TaskResult} carries, within size caps. */
import { NonRetryableError } from './errors.js';

/** Largest `output` sent, in UTF-8 bytes. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Largest `error` sent, in UTF-8 bytes. */
export const MAX_ERROR_BYTES = 8 * 1024;
/** Stack frames kept in an error report. */
const STACK_FRAMES = 8;

const TRUNCATED = '…[truncated]';

/** Cuts `text` to at most `maxBytes` UTF-8 bytes (whole characters), marking the cut. */
export function capUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(TRUNCATED, 'utf8');
  let cut = Buffer.from(text, 'utf8').subarray(0, Math.max(0, room)).toString('utf8');
  // A multi-byte character cut in half decodes as U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + TRUNCATED;
}

/**
 * Handler return value → `output`: strings as they are, `undefined` → none, anything else
 * JSON-encoded; capped at {@link MAX_OUTPUT_BYTES}.
 */
export function encodeOutput(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  if (typeof value === 'string') {
    text = value;
  } else {
    try {
      text = JSON.stringify(value);
    } catch (err) {
      text = `[output not JSON-serializable: ${err instanceof Error ? err.message : String(err)}]`;
    }
  }
  return text === undefined ? undefined : capUtf8(text, MAX_OUTPUT_BYTES);
}

/**
 * Thrown value → `error`: `Name: message` then the first stack frames. A {@link NonRetryableError}
 * (or subclass) always starts with `NonRetryableError:` so the admin can recognise it.
 */
export function encodeError(err: unknown): string {
  if (!(err instanceof Error)) {
    let text: string;
    try {
      text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
    } catch {
      text = String(err);
    }
    return capUtf8(`Error: ${text}`, MAX_ERROR_BYTES);
  }
  const name = err instanceof NonRetryableError ? 'NonRetryableError' : err.name || 'Error';
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, STACK_FRAMES);
  return capUtf8([`${name}: ${err.message}`, ...frames].join('\n'), MAX_ERROR_BYTES);
}
