/** Turns handler outcomes into the strings a {@link TaskResult} carries, within size caps. */
import { NonRetryableError } from './errors.js';

/** Largest `output` sent, in UTF-8 bytes. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Largest `error` sent, in UTF-8 bytes. */
export const MAX_ERROR_BYTES = 8 * 1024;
/** Stack frames kept in an error report. */
const STACK_FRAMES = 8;

/** What {@link capUtf8} appends where it cut, unless told otherwise. */
export const TRUNCATED = '…[truncated]';

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes, on a character boundary, and appends `marker`
 * (within the limit) where it cut; text that fits is returned as it is. The admin uses it too
 * (`@oasis/worker-client/encode`): with `marker` `''` for database columns, so an oversized value
 * never makes a strict-mode MySQL refuse a whole batch.
 */
export function capUtf8(text: string, maxBytes: number, marker: string = TRUNCATED): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: most texts are judged without being encoded.
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8'));
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx): none is cut in half.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8') + marker;
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
