import { createHash } from 'node:crypto';

/**
 * Who claims what: every live scheduler admin owns a share of the apps, by rendezvous (highest
 * random weight) hashing of `(admin, app)` over the live admins. Each admin computes the same
 * owner from the same live set, without talking to the others; when an admin joins or leaves,
 * only the apps it gains or loses move (about 1/N of them).
 *
 * Ownership decides who *claims*; it is not what keeps a fire exactly once — the claim script is
 * (an atomic claim lease per fire). So two admins that briefly disagree about the live set (one
 * saw a join a beat earlier) may both claim in an app, and each fire is still claimed, committed
 * and run once; an admin keeps firing what it claimed before it lost the app.
 */
export class Ownership {
  private live: readonly string[] = [];
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly adminId: string) {}

  /** The live admins as last read (sorted). */
  get members(): readonly string[] {
    return this.live;
  }

  /** Sets the live admins; true when the set changed (the owned apps may have moved). */
  update(liveAdmins: readonly string[]): boolean {
    const next = [...new Set(liveAdmins)].sort();
    if (next.length === this.live.length && next.every((id, i) => id === this.live[i])) return false;
    this.live = next;
    this.cache.clear();
    return true;
  }

  /** True when this admin owns `unit` (an app) among the live admins; false while it is not live itself. */
  owns(unit: string): boolean {
    let v = this.cache.get(unit);
    if (v === undefined) {
      v = this.live.includes(this.adminId) && ownerOf(unit, this.live) === this.adminId;
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(unit, v);
    }
    return v;
  }
}

/** The owner of `unit` among `admins` (rendezvous hashing); null when there is none. */
export function ownerOf(unit: string, admins: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1;
  for (const a of admins) {
    const w = weight(a, unit);
    if (w > bestWeight || (w === bestWeight && best !== null && a < best)) {
      best = a;
      bestWeight = w;
    }
  }
  return best;
}

/** A uniform 48-bit weight of the pair. */
function weight(admin: string, unit: string): number {
  return createHash('sha1').update(admin).update('\0').update(unit).digest().readUIntBE(0, 6);
}
