// Bundle the web page: type-check is tsc's job (clients/web/tsconfig.json); this copies the
// static HTML and bundles src/main.ts into one script in dist/web/, with no CDN at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
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
  // protocol/version.ts takes the version from package.json: the page gets that field only.
  plugins: [
    {
      name: 'package-version',
      setup(b) {
        b.onLoad({ filter: /[\\/]package\.json$/ }, (args) => ({
          contents: JSON.stringify({ version: JSON.parse(readFileSync(args.path, 'utf8')).version }),
          loader: 'json',
        }));
      },
    },
  ],
});
