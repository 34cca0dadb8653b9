/**
 * Usernames: one canonical spelling per user. MySQL's `utf8mb4_unicode_ci` finds the same row for
 * `Admin`, `admin `, `ádmin` or full-width `ａｄｍｉｎ`, so a name is canonicalised before it is
 * stored, looked up or counted (rate limit), and only ASCII names are ever looked up: the
 * database's collation then has nothing left to fold but ASCII case.
 */

import { USERNAME_PATTERN } from '@oasis/worker-client/contracts';

// The pattern and the canonical spelling are declared with the contracts: the REST schema of a
// new user (and any client) takes the same ones.
export { USERNAME_PATTERN, canonicalUsername } from '@oasis/worker-client/contracts';

/** True when `name` is a valid username (check canonical names: then it is ASCII lower case). */
export function isUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}
