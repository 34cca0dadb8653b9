import { APP_KEYS, GLOBAL_KEYS, type KeyDecl } from './redis/schema.js';

/** Key names from declarations: a string per fixed key, a function of the id per keyed one. */
type Built<T extends Record<string, KeyDecl>> = {
  readonly [K in keyof T]: T[K] extends { id: string } ? (id: string | number) => string : string;
};

/**
 * Keys of one app (declared with their meaning in `APP_KEYS`, `store/redis/schema.ts`). Each
 * carries the app as a hash tag (`oasis:{billing}:schedule`), so each Lua script touches a single
 * cluster slot.
 */
export type AppKeys = {
  /** Prefix of every key of the app, e.g. `oasis:{billing}:` (every script gets it as `ARGV[1]`). */
  readonly base: string;
} & Built<typeof APP_KEYS>;

/** Every Redis key name of the admin (global ones declared in `GLOBAL_KEYS`). */
export type Keys = {
  readonly prefix: string;
  app(app: string): AppKeys;
} & Built<typeof GLOBAL_KEYS>;

function build<T extends Record<string, KeyDecl>>(base: string, decls: T): Built<T> {
  const out: Record<string, string | ((id: string | number) => string)> = {};
  for (const [name, d] of Object.entries(decls)) {
    const tail = d.tail ?? '';
    out[name] = d.id === undefined ? `${base}${d.suffix}` : (id) => `${base}${d.suffix}${id}${tail}`;
  }
  return out as Built<T>;
}

/** The one place Redis key names are built (the Lua side builds the same names with `KEY`). */
export function makeKeys(prefix: string): Keys {
  const cache = new Map<string, AppKeys>();
  return {
    prefix,
    ...build(prefix, GLOBAL_KEYS),
    app(app) {
      let k = cache.get(app);
      if (!k) {
        const base = `${prefix}{${app}}:`;
        k = { base, ...build(base, APP_KEYS) };
        cache.set(app, k);
      }
      return k;
    },
  };
}
