// Removes build outputs named on the command line (so stale files of deleted sources vanish).
import { rmSync } from 'node:fs';

for (const path of process.argv.slice(2)) rmSync(path, { recursive: true, force: true });
