// `npm start`: install and build if needed, then open the desktop app; where Electron's binary is
// missing (an offline install), say so in one line and run `serve` instead.
// `npm run serve` (--serve) goes straight to the headless server. Other flags pass through.
import { join } from 'node:path';
import { ROOT, electronBinary, ensureBuilt, ensureInstalled, run, say } from './lib/setup.mjs';

const args = process.argv.slice(2);
const serveOnly = args.includes('--serve');
const passThrough = args.filter((a) => a !== '--serve');

await ensureInstalled();
ensureBuilt();

function serve() {
  process.exitCode = run(process.execPath, [join(ROOT, 'dist', 'electron', 'server', 'cli.js'), 'serve', ...passThrough]);
}

if (serveOnly) {
  serve();
} else {
  const electron = electronBinary();
  if (!electron.path) {
    say(`Electron is not available (${electron.reason}); starting \`clusterdeck serve\` instead: open the URL below in your browser.`);
    serve();
  } else if (run(process.execPath, [join(ROOT, 'scripts', 'build-electron-native.mjs'), '--if-missing']) !== 0) {
    say('the SQLite module could not be built for Electron (see above); starting `clusterdeck serve` instead.');
    serve();
  } else {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    process.exitCode = run(electron.path, [ROOT, ...passThrough], { env });
  }
}
