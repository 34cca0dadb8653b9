import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCatalogue } from '../../server/src/domain/errors.js';
import { WorkerClientErrorCode } from '../../worker-client/src/errors.js';

const DOC_PATH = new URL('../../docs/errors.md', import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The HTTP status column as docs/errors.md writes it: the number, or `—` for a code sent over sockets only. */
const statusCell = (status: number | null): string => (status === null ? '—' : String(status));

/** Every `OASIS_ERR_…` code named in the `.ts` files under `dir` (relative to the repository), with one file naming it. */
function codesNamedIn(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const code of readFileSync(join(ROOT, path), 'utf8').match(/OASIS_ERR_[A-Z0-9_]+/g) ?? []) if (!found.has(code)) found.set(code, path);
      }
    }
  };
  walk(dir);
  return found;
}

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
      .filter(([code, { status }]) => rows.get(code) !== statusCell(status))
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

  it('holds every code the admin, the wire contracts and the dashboard name (REST and sockets alike)', () => {
    const named = [...codesNamedIn('server/src'), ...codesNamedIn('worker-client/src/contracts'), ...codesNamedIn('dashboard/src')];
    const unknown = named.filter(([code]) => !Object.hasOwn(ErrorCatalogue, code)).map(([code, file]) => `${code} (${file})`);
    expect(unknown, 'codes used but missing from ErrorCatalogue').to.deep.equal([]);
  });

  it("leaves only the SDK's own local codes out, and the admin never sends one of them", () => {
    const local = new Set<string>(Object.values(WorkerClientErrorCode).filter((code) => !Object.hasOwn(ErrorCatalogue, code)));
    const sdk = [...codesNamedIn('worker-client/src')].filter(([code]) => !Object.hasOwn(ErrorCatalogue, code) && !local.has(code));
    expect(sdk.map(([code, file]) => `${code} (${file})`), 'SDK codes neither local nor in the catalogue').to.deep.equal([]);
    const sentByAdmin = [...codesNamedIn('server/src')].filter(([code]) => local.has(code)).map(([code]) => code);
    expect(sentByAdmin, 'SDK-local codes the admin uses').to.deep.equal([]);
  });
});
