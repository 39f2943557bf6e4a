// `npm run bench [-- NAME... --json]`: builds if needed, then runs `clusterdeck bench`, so the
// npm script and the CLI print the same figures from the same code.
import { join } from 'node:path';
import { ROOT, ensureBuilt, ensureInstalled, run } from './lib/setup.mjs';

await ensureInstalled();
ensureBuilt();
process.exitCode = run(process.execPath, [join(ROOT, 'dist', 'electron', 'server', 'cli.js'), 'bench', ...process.argv.slice(2)]);
