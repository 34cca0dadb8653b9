/**
 * Name and id shapes both sides of a wire check: the admin validates with them, the SDK and the
 * dashboard check before sending (an `<input pattern>`, the worker's options). Plain constants,
 * no zod, so a browser bundle that takes one of them takes nothing else.
 */

/** App names: a lowercase letter first, then lowercase letters, digits and dashes, 2-64 characters. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;

/** What {@link APP_NAME_PATTERN} asks for, as an error message says it. */
export const APP_NAME_RULE = 'must be 2-64 chars: a-z first, then a-z, 0-9 or -';

/** What a username may be: 2-64 ASCII letters, digits and `_ . @ -` (check canonical names, see {@link canonicalUsername}). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{2,64}$/;

/**
 * The canonical spelling of a typed username: Unicode NFKC (full-width and other compatibility
 * forms become plain letters), trimmed (NFKC first, so an ideographic space is trimmed too),
 * lower case. Not necessarily a valid username: test it with {@link USERNAME_PATTERN}.
 */
export function canonicalUsername(typed: string): string {
  return typed.normalize('NFKC').trim().toLowerCase();
}

/** Handler names: 1-128 characters without white space. */
export const HANDLER_NAME_PATTERN = /^\S{1,128}$/;

/** Worker ids: 1-128 letters, digits and `_ . : @ -`, unique within an app. */
export const WORKER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Task ids as the REST API and the `/ui` channel take them (a path segment, a room name). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
