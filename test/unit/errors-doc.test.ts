import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ErrorCatalogue } from '../../server/src/domain/errors.js';

const DOC_PATH = new URL('../../docs/errors.md', import.meta.url);

/** Rows of the markdown table whose first cell is an error code: code → HTTP status (as written). */
function documentedCodes(markdown: string): { rows: Map<string, string>; duplicates: string[] } {
  const rows = new Map<string, string>();
  const duplicates: string[] = [];
  for (const line of markdown.split('\n')) {
    const match = /^\|\s*`?(OASIS_ERR_[A-Z0-9_]+)`?\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (!match) continue;
    const [, code = '', status = ''] = match;
    if (rows.has(code)) duplicates.push(code);
    rows.set(code, status);
  }
  return { rows, duplicates };
}

describe('docs/errors.md', () => {
  const markdown = readFileSync(DOC_PATH, 'utf8');
  const { rows, duplicates } = documentedCodes(markdown);
  const catalogue = Object.entries(ErrorCatalogue);

  it('lists every catalogue code with its HTTP status', () => {
    const missing = catalogue.filter(([code]) => !rows.has(code)).map(([code]) => code);
    expect(missing, 'codes missing from docs/errors.md').to.deep.equal([]);
    const wrongStatus = catalogue
      .filter(([code, { status }]) => rows.get(code) !== String(status))
      .map(([code, { status }]) => `${code}: doc says ${rows.get(code)}, catalogue says ${status}`);
    expect(wrongStatus, 'statuses that differ').to.deep.equal([]);
  });

  it('lists no code the catalogue does not have, and none twice', () => {
    const extra = [...rows.keys()].filter((code) => !Object.hasOwn(ErrorCatalogue, code));
    expect(extra, 'codes in docs/errors.md but not in ErrorCatalogue').to.deep.equal([]);
    expect(duplicates, 'codes listed twice').to.deep.equal([]);
  });

  it('mentions no unknown code anywhere in its text', () => {
    const mentioned = new Set(markdown.match(/OASIS_ERR_[A-Z0-9_]+/g) ?? []);
    const unknown = [...mentioned].filter((code) => !Object.hasOwn(ErrorCatalogue, code));
    expect(unknown).to.deep.equal([]);
  });
});
