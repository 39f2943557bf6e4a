// npm copies each package's "funding" links (mostly github.com/sponsors/...) into
// package-lock.json. They play no part in installing, and the project keeps its lockfile free
// of GitHub URLs so it is plain to see that everything comes from the npm registry.
// Run after changing dependencies: `npm run lock:clean` (a unit test checks it was done).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const path = join(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(path, 'utf8'));
let removed = 0;
for (const entry of Object.values(lock.packages ?? {})) {
  if ('funding' in entry) {
    delete entry.funding;
    removed += 1;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stderr.write(`package-lock.json: removed ${removed} funding entries\n`);
