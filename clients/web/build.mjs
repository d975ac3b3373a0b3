// Bundle the web page: type-check is tsc's job (clients/web/tsconfig.json); this copies the
// static HTML and bundles src/main.ts into one script in dist/web/, with no CDN at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '..', '..', 'dist', 'web');
mkdirSync(out, { recursive: true });
copyFileSync(path.join(here, 'static', 'index.html'), path.join(out, 'index.html'));
await build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
