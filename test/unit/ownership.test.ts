import { expect } from 'chai';
import { Ownership, ownerOf } from '../../server/src/scheduler/ownership.js';

const APPS = Array.from({ length: 3000 }, (_, i) => `app-${i}`);

describe('scheduler: apps shared among the live admins (rendezvous hashing)', () => {
  it('every admin computes the same one owner per app, and the apps spread evenly', () => {
    const admins = ['a1', 'a2', 'a3'];
    const views = admins.map((id) => {
      const o = new Ownership(id);
      o.update([...admins].reverse());
      return o;
    });
    const counts = new Map<string, number>();
    for (const app of APPS) {
      const owners = admins.filter((_, i) => views[i]?.owns(app));
      expect(owners, app).to.have.length(1);
      expect(owners[0]).to.equal(ownerOf(app, admins));
      counts.set(owners[0] as string, (counts.get(owners[0] as string) ?? 0) + 1);
    }
    for (const id of admins) expect(counts.get(id)).to.be.within(850, 1150);
  });

  it('a join moves only the apps the newcomer gains; a leave only the leaver’s', () => {
    const before = new Map(APPS.map((a) => [a, ownerOf(a, ['a1', 'a2'])]));
    const joined = new Map(APPS.map((a) => [a, ownerOf(a, ['a1', 'a2', 'a3'])]));
    let moved = 0;
    for (const a of APPS) {
      if (joined.get(a) !== before.get(a)) {
        moved++;
        expect(joined.get(a)).to.equal('a3');
      }
    }
    expect(moved).to.be.within(850, 1150);
    const left = new Map(APPS.map((a) => [a, ownerOf(a, ['a2', 'a3'])]));
    for (const a of APPS) if (joined.get(a) !== 'a1') expect(left.get(a)).to.equal(joined.get(a));
  });

  it('an admin not in the live set owns nothing; a changed set is reported once', () => {
    const o = new Ownership('a1');
    expect(o.owns('x')).to.equal(false);
    expect(o.update(['a2', 'a1'])).to.equal(true);
    expect(o.update(['a1', 'a2'])).to.equal(false);
    expect(o.update(['a2'])).to.equal(true);
    expect(APPS.some((a) => o.owns(a))).to.equal(false);
    o.update(['a1']);
    expect(APPS.every((a) => o.owns(a))).to.equal(true);
  });
});
