/**
 * Usernames: one canonical spelling per user. MySQL's `utf8mb4_unicode_ci` finds the same row for
 * `Admin`, `admin `, `ádmin` or full-width `ａｄｍｉｎ`, so a name is canonicalised before it is
 * stored, looked up or counted (rate limit), and only ASCII names are ever looked up: the
 * database's collation then has nothing left to fold but ASCII case.
 */

/** What a username may be: 2-64 ASCII letters, digits and `_ . @ -`. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{2,64}$/;

/**
 * The canonical spelling of a typed username: Unicode NFKC (full-width and other compatibility
 * forms become plain letters), trimmed (NFKC first, so an ideographic space is trimmed too),
 * lower case. Not necessarily a valid username: see {@link isUsername}.
 */
export function canonicalUsername(typed: string): string {
  return typed.normalize('NFKC').trim().toLowerCase();
}

/** True when `name` is a valid username (check canonical names: then it is ASCII lower case). */
export function isUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}
