import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-boundaries.mjs', import.meta.url));

/** Writes `files` (root-relative path → content) under a new temp dir and returns the dir. */
function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'oasis-boundaries-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}

function runCheck(root: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Files every fixture shares: each layer using what it is allowed to use. */
const CLEAN: Record<string, string> = {
  'server/src/main.ts': [
    "import express from 'express';",
    "import { Server } from 'socket.io';",
    "import { Redis } from 'ioredis';",
    "import { createAdapter } from '@socket.io/redis-adapter';",
    "import { loadConfig } from './config/load.js';",
    "import { makeStore } from './store/redis/client.js';",
    'export { express, Server, Redis, createAdapter, loadConfig, makeStore };',
  ].join('\n'),
  'server/src/config/load.ts': "export const loadConfig = (): number => 1;\n",
  'server/src/domain/types.ts': "export interface Job { id: number }\n",
  'server/src/store/redis/client.ts': [
    "import { Redis } from 'ioredis';",
    "import Redlock from 'redlock';",
    "import type { Job } from '../../domain/types.js';",
    'export const makeStore = (j: Job) => [Redis, Redlock, j];',
  ].join('\n'),
  'server/src/store/db/models.ts': [
    "import { Sequelize } from 'sequelize';",
    "import 'mysql2';",
    "import sqlite3 from 'sqlite3';",
    'export { Sequelize, sqlite3 };',
  ].join('\n'),
  'server/src/api/router.ts': [
    "import { Router } from 'express';",
    "import { loadConfig } from '../config/load.js';",
    'export const router = Router(); loadConfig();',
  ].join('\n'),
  'server/src/realtime/gateway.ts': [
    "import { Server } from 'socket.io';",
    "import { createAdapter } from '@socket.io/redis-adapter';",
    'export { Server, createAdapter };',
  ].join('\n'),
  // Type-only imports of store packages are fine outside store/; comments and templates are not imports.
  'server/src/scheduler/loop.ts': [
    "import type { Redis } from 'ioredis';",
    "// import express from 'express';",
    "/* import { Server } from 'socket.io'; */",
    "const note = `import 'sequelize'`;",
    'export const loop = (r: Redis | null) => [r, note];',
  ].join('\n'),
  'worker-client/src/index.ts': [
    "import { io } from 'socket.io-client';",
    "import { PROTOCOL_VERSION } from './protocol.js';",
    'export { io, PROTOCOL_VERSION };',
  ].join('\n'),
  'worker-client/src/protocol.ts': 'export const PROTOCOL_VERSION = 1;\n',
  'dashboard/src/oasis-app.ts': [
    "import { LitElement } from 'lit';",
    "import type { TaskPayload } from '../../worker-client/src/protocol.js';",
    "import { api } from './api.js';",
    'export { LitElement, api }; export type { TaskPayload };',
  ].join('\n'),
  'dashboard/src/api.ts': 'export const api = 1;\n',
};

describe('scripts/check-boundaries.mjs', () => {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('passes a clean tree', () => {
    const root = makeTree(CLEAN);
    roots.push(root);
    const res = runCheck(root);
    expect(res.stderr).to.equal('');
    expect(res.status).to.equal(0);
    expect(res.stdout).to.match(/no violations/);
  });

  describe('a tree with one violation of each kind', () => {
    let res: ReturnType<typeof runCheck>;
    before(() => {
      const root = makeTree({
        ...CLEAN,
        'server/src/scheduler/claim.ts': "import { Redis } from 'ioredis';\nexport const r = Redis;\n",
        'server/src/jobs/service.ts': "import type { Request } from 'express';\nimport { Router } from 'express';\nexport const r = Router;\nexport type R = Request;\n",
        'server/src/dispatch/push.ts': "\n\nimport { Server } from 'socket.io';\nexport const s = Server;\n",
        'server/src/store/db/tables.ts': "import { createAdapter } from '@socket.io/redis-adapter';\nexport const a = createAdapter;\n",
        'worker-client/src/bad-server.ts': "import { loadConfig } from '../../server/src/config/load.js';\nexport const c = loadConfig;\n",
        'worker-client/src/bad-dashboard.ts': "export { api } from '../../dashboard/src/api.js';\n",
        'worker-client/src/bad-escape.ts': "import '../../shared/util.js';\n",
        'dashboard/src/bad.ts': "import type { Job } from '../../server/src/domain/types.js';\nexport type J = Job;\n",
        // a -> b -> c -> a, closed by a type-only import.
        'server/src/maintenance/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'server/src/maintenance/b.ts': "import { c } from './c.js';\nexport const b = () => c;\n",
        'server/src/maintenance/c.ts': "import type { a } from './a.js';\nexport const c = (x: typeof a) => x;\n",
      });
      roots.push(root);
      res = runCheck(root);
    });

    it('exits 1', () => {
      expect(res.status).to.equal(1);
    });

    it('reports a store package imported outside store/', () => {
      expect(res.stderr).to.include("server/src/scheduler/claim.ts:1  imports 'ioredis': only server/src/store/ may import ioredis");
    });

    it('reports express imported outside api/, but not its type-only import', () => {
      expect(res.stderr).to.include("server/src/jobs/service.ts:2  imports 'express': only server/src/api/ may import express");
      expect(res.stderr).not.to.include('server/src/jobs/service.ts:1');
    });

    it('reports socket.io and the redis adapter imported outside realtime/', () => {
      expect(res.stderr).to.include("server/src/dispatch/push.ts:3  imports 'socket.io': only server/src/realtime/ may import socket.io");
      expect(res.stderr).to.include(
        "server/src/store/db/tables.ts:1  imports '@socket.io/redis-adapter': only server/src/realtime/ may import @socket.io/redis-adapter",
      );
    });

    it('reports worker-client reaching into server/, dashboard/ or outside itself', () => {
      expect(res.stderr).to.include('worker-client/src/bad-server.ts:1').and.include('worker-client must not import from server/');
      expect(res.stderr).to.include('worker-client/src/bad-dashboard.ts:1').and.include('worker-client must not import from dashboard/');
      expect(res.stderr).to.include("worker-client/src/bad-escape.ts:1  imports '../../shared/util.js': worker-client must not import outside worker-client/");
    });

    it('reports the dashboard importing server/, even type-only', () => {
      expect(res.stderr).to.include("dashboard/src/bad.ts:1  imports '../../server/src/domain/types.js': dashboard must not import from server/");
    });

    it('reports the import cycle with its path', () => {
      expect(res.stderr).to.include(
        'import cycle: server/src/maintenance/a.ts -> server/src/maintenance/b.ts -> server/src/maintenance/c.ts -> server/src/maintenance/a.ts',
      );
    });

    it('reports nothing about the files that are allowed', () => {
      for (const file of Object.keys(CLEAN)) expect(res.stderr).not.to.include(`  ${file}:`);
      expect(res.stderr).to.include('9 violation(s)');
    });
  });
});
