/**
 * The dashboard takes the wire contracts from `@oasis/worker-client/contracts`: types, and a few
 * plain constants (channel names, name patterns). The zod schemas stay on the admin: bundled the
 * way `scripts/build-dashboard.mjs` bundles it, the dashboard holds no byte of zod (which would
 * more than double it). It holds because the constants live in zod-free files and the package
 * declares `sideEffects: false`, so esbuild drops the schema files nobody imports from.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('dashboard bundle and the contracts', function () {
  this.timeout(60_000);

  it('bundles the contracts the dashboard uses without zod', async () => {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ['dashboard/src/main.ts'],
      bundle: true,
      write: false,
      outdir: 'out',
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      tsconfig: 'tsconfig.json',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs));
    const used = (part: string) => inputs.filter(([path, i]) => path.includes(part) && i.bytesInOutput > 0).map(([path]) => path);
    expect(used('worker-client/src/contracts/'), 'the dashboard takes something from the contracts').to.not.deep.equal([]);
    expect(used('node_modules/zod/'), 'zod modules in the dashboard bundle').to.deep.equal([]);
  });
});
