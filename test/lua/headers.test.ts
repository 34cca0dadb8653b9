import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { luaDir, readScript, ScriptName } from '../../server/src/store/redis/scripts.js';

describe('lua: script headers', () => {
  for (const name of Object.values(ScriptName)) {
    it(`${name}.lua documents every KEYS and ARGV it uses`, () => {
      const raw = readFileSync(join(luaDir(), `${name}.lua`), 'utf8');
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(raw)?.[1] ?? '';
      expect(header, 'header comment').to.not.equal('');
      expect(header).to.match(/Output:/);
      const body = readScript(name).source.replace(/--\[\[[\s\S]*?\]\]/g, '');
      const used = new Set([...body.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      const documented = new Set([...header.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect([...used].sort()).to.deep.equal([...documented].sort());
      for (const m of body.matchAll(/ARGV\[(\d+)\]/g)) {
        expect(header, `ARGV[${m[1]}] documented`).to.match(new RegExp(`ARGV\\[${m[1]}(\\]|\\.\\.)`));
      }
    });
  }
});
