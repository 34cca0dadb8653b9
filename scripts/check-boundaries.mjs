#!/usr/bin/env node
// Keeps the architecture honest (see shared DESIGN/STYLE): which folder may import which package,
// which package may reach into which folder, and no import cycles inside the admin.
//
// Usage: node scripts/check-boundaries.mjs [rootDir]   (rootDir defaults to the current directory)
// Exit 0 when clean; exit 1 listing every violation as `path:line  message`.
//
// Rules
//   - Only server/src/store/ imports ioredis, sequelize, mysql2, sqlite3, redlock, rate-limiter-flexible.
//   - Only server/src/api/ imports express and helmet.
//   - Only server/src/realtime/ imports socket.io and @socket.io/redis-adapter.
//   - server/src/main.ts may import anything: it is the one place that wires everything.
//   - worker-client/src never imports server/ or dashboard/, nor any relative path leaving worker-client/.
//   - dashboard/src never imports server/.
//   - No import cycles among relative imports inside server/src.
// `import type` is exempt from the package rules (it leaves nothing at run time) but counts for the
// folder rules (a published package cannot point into server/) and for cycles.
//
// Plain Node, no dependencies: imports are found by a small scanner that blanks out comments and
// template literals first, so commented-out code and HTML templates are not taken for imports.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCANNED = ['server/src', 'worker-client/src', 'dashboard/src'];

/** Package → the only folder (prefix, relative to root) that may import it. */
const PACKAGE_OWNERS = new Map([
  ['ioredis', 'server/src/store/'],
  ['sequelize', 'server/src/store/'],
  ['mysql2', 'server/src/store/'],
  ['sqlite3', 'server/src/store/'],
  ['redlock', 'server/src/store/'],
  ['rate-limiter-flexible', 'server/src/store/'],
  ['express', 'server/src/api/'],
  ['helmet', 'server/src/api/'],
  ['socket.io', 'server/src/realtime/'],
  ['@socket.io/redis-adapter', 'server/src/realtime/'],
]);

const WIRING_FILE = 'server/src/main.ts';

/** Lists `.ts` files under `dir` (relative posix paths from `root`), skipping node_modules and dist. */
function listTsFiles(root, dir) {
  const abs = path.join(root, dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return [];
  const out = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listTsFiles(root, rel));
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(rel);
  }
  return out.sort();
}

/**
 * Replaces comments and template literal bodies with spaces (newlines kept, so offsets and line
 * numbers stay right). Quoted strings are kept: they hold the module specifiers.
 */
function blankNonCode(src) {
  const out = src.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
    } else if (c === '`') {
      // Blank the whole template, `${…}` included: imports never live inside one.
      let j = i + 1;
      let depth = 0;
      while (j < src.length) {
        if (src[j] === '\\') j += 2;
        else if (depth === 0 && src[j] === '`') break;
        else if (src[j] === '$' && src[j + 1] === '{') {
          depth++;
          j += 2;
        } else if (depth > 0 && src[j] === '}') {
          depth--;
          j++;
        } else j++;
      }
      blank(i, Math.min(j + 1, src.length));
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

// `import x from 'm'`, `import { a, type B } from 'm'`, `import type X from 'm'`, `import 'm'`,
// `export * from 'm'`, `export { a } from 'm'`, `export type { A } from 'm'` — across lines too.
const STATIC_IMPORT =
  /(?<![\w$.])(import|export)\s+(?:(type)\s+(?!from\b)(?=[\w${*]))?(?:[\w$*{}\s,]*?\bfrom\s*)?(['"])([^'"\n]+)\3/g;
const DYNAMIC_IMPORT = /(?<![\w$.])import\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The imports of one file: specifier, whether type-only, and the line it starts on. */
export function findImports(src) {
  const code = blankNonCode(src);
  const lineOf = (index) => code.slice(0, index).split('\n').length;
  const found = [];
  for (const m of code.matchAll(STATIC_IMPORT)) {
    found.push({ specifier: m[4], typeOnly: m[2] === 'type', line: lineOf(m.index) });
  }
  for (const m of code.matchAll(DYNAMIC_IMPORT)) {
    found.push({ specifier: m[2], typeOnly: false, line: lineOf(m.index) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative, absolute and `node:` → null. */
function packageName(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Top-level folders that tsconfig's `baseUrl: "."` lets a bare specifier reach (`server/src/…`). */
const ROOT_FOLDERS = new Set(['server', 'worker-client', 'dashboard']);

/**
 * Where a specifier points inside the repo, as a root-relative posix path (may start with `../`),
 * or null for a package.
 */
function resolveTarget(fromFile, specifier) {
  if (specifier.startsWith('.')) return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  if (specifier.startsWith('/')) return specifier;
  if (ROOT_FOLDERS.has(specifier.split('/')[0])) return path.posix.normalize(specifier);
  return null;
}

/** The `.ts` file a relative import of `target` (a `.js` path, or extensionless) means, if present. */
function resolveSourceFile(fileSet, target) {
  const candidates = [];
  if (/\.(c|m)?js$/.test(target)) candidates.push(target.replace(/\.(c|m)?js$/, (ext) => ext.replace('js', 'ts')));
  candidates.push(target, `${target}.ts`, `${target}/index.ts`);
  return candidates.find((c) => fileSet.has(c)) ?? null;
}

/** Every elementary cycle is too many to print; one concrete cycle per strongly connected group is enough. */
function findCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const groups = [];

  const strongConnect = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      const selfLoop = group.length === 1 && (graph.get(v) ?? []).includes(v);
      if (group.length > 1 || selfLoop) groups.push(new Set(group));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);

  // Within each group, walk from its first file (by name) back to itself: breadth-first gives a shortest cycle.
  return groups.map((group) => {
    const start = [...group].sort()[0];
    const previous = new Map();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      for (const w of graph.get(v) ?? []) {
        if (!group.has(w)) continue;
        if (w === start) {
          const cycle = [start];
          for (let x = v; x !== start; x = previous.get(x)) cycle.splice(1, 0, x);
          return [...cycle, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [start, start];
  });
}

/**
 * Checks the tree under `root`.
 * @returns {{ files: number, violations: { file: string, line: number, message: string }[] }}
 */
export function checkBoundaries(root) {
  const files = SCANNED.flatMap((dir) => listTsFiles(root, dir));
  const fileSet = new Set(files);
  const violations = [];
  const graph = new Map();

  for (const file of files) {
    const imports = findImports(readFileSync(path.join(root, file), 'utf8'));
    const report = (line, message) => violations.push({ file, line, message });
    if (file.startsWith('server/src/')) graph.set(file, []);

    for (const { specifier, typeOnly, line } of imports) {
      const target = resolveTarget(file, specifier);
      const pkg = target === null ? packageName(specifier) : null;

      // Package ownership (run-time imports only; main.ts wires everything).
      const owner = pkg === null ? undefined : PACKAGE_OWNERS.get(pkg);
      if (owner && !typeOnly && file !== WIRING_FILE && !file.startsWith(owner)) {
        report(line, `imports '${specifier}': only ${owner} may import ${pkg}`);
      }

      // Folder rules for the two packages that ship apart from the admin.
      if (file.startsWith('worker-client/src/') && target !== null) {
        if (target.startsWith('server/') || target.startsWith('dashboard/')) {
          report(line, `imports '${specifier}': worker-client must not import from ${target.split('/')[0]}/`);
        } else if (!target.startsWith('worker-client/')) {
          report(line, `imports '${specifier}': worker-client must not import outside worker-client/`);
        }
      }
      if (file.startsWith('dashboard/src/') && target !== null && target.startsWith('server/')) {
        report(line, `imports '${specifier}': dashboard must not import from server/`);
      }

      // Edges for the cycle check (type-only imports included).
      if (file.startsWith('server/src/') && specifier.startsWith('.')) {
        const resolved = resolveSourceFile(fileSet, target);
        if (resolved && resolved.startsWith('server/src/')) graph.get(file).push(resolved);
      }
    }
  }

  for (const cycle of findCycles(graph)) {
    violations.push({ file: cycle[0], line: 0, message: `import cycle: ${cycle.join(' -> ')}` });
  }
  return { files: files.length, violations };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(process.argv[2] ?? process.cwd());
  const { files, violations } = checkBoundaries(root);
  if (violations.length) {
    console.error(`check-boundaries: ${violations.length} violation(s) in ${root}`);
    for (const v of violations) console.error(`  ${v.file}${v.line ? `:${v.line}` : ''}  ${v.message}`);
    process.exit(1);
  }
  console.log(`check-boundaries: ${files} files, no violations`);
}
