// `npm test`: the whole suite, from a fresh clone too. Installs dependencies if needed, checks the
// system programs the integration and browser tests use (installing them with apt-get when run
// as root, as CI does), then typecheck, lint, build, and every vitest project.
// Flags after `--` go to vitest (e.g. `npm test -- --project unit`).
import { existsSync } from 'node:fs';
import { ROOT, ensureInstalled, run, say } from './lib/setup.mjs';
import { join } from 'node:path';

/** Program the tests run (at any of these paths) → the Debian package that provides it. */
const SYSTEM_PROGRAMS = [
  [['/usr/bin/chromium'], 'chromium'],
  // The SSH lab (test/helpers/ssh-lab.ts): a real sshd per network namespace, driven as root.
  [['/usr/sbin/sshd'], 'openssh-server'],
  [['/usr/bin/ssh'], 'openssh-client'],
  [['/usr/bin/ssh-keygen'], 'openssh-client'],
  [['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'], 'iproute2'],
  [['/usr/bin/unshare'], 'util-linux'],
  [['/usr/bin/nsenter'], 'util-linux'],
  [['/usr/bin/setpriv'], 'util-linux'],
  [['/usr/bin/flock'], 'util-linux'],
  [['/usr/sbin/useradd'], 'passwd'],
  // A real `sudo -n` that refuses the lab's user (test/integration/ssh-host-batch.test.ts).
  [['/usr/bin/sudo'], 'sudo'],
  // OpenSCAP, whose verdicts the audits must agree with (test/integration/audit-openscap.test.ts).
  [['/usr/bin/oscap'], 'openscap-scanner'],
  // Reading and rendering the PDF reports (test/integration/report-pdf.test.ts).
  [['/usr/bin/pdftotext'], 'poppler-utils'],
  [['/usr/bin/pdftoppm'], 'poppler-utils'],
  // A real Prometheus and node exporter (test/helpers/prometheus.ts: sources, /metrics).
  [['/usr/bin/prometheus'], 'prometheus'],
  [['/usr/bin/prometheus-node-exporter'], 'prometheus-node-exporter'],
];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const vitestArgs = process.argv.slice(2);

function ensureSystemPrograms() {
  const missing = SYSTEM_PROGRAMS.filter(([paths]) => !paths.some((path) => existsSync(path)));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    say(
      `the tests need ${missing.map(([paths]) => paths.join(' or ')).join(', ')}: install them with \`sudo apt-get install ${packages.join(' ')}\` (Debian/Ubuntu), then run npm test again.`,
    );
    process.exit(1);
  }
  say(`installing the test programs with apt-get: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env }) !== 0) {
    say('apt-get failed; see above.');
    process.exit(1);
  }
}

await ensureInstalled();
ensureSystemPrograms();
// The SCAP Security Guide's Debian 12 data stream (trixie's ssg-debian, unpacked, not installed):
// the audit tests compare with OpenSCAP over it. Cached under node_modules/.cache.
say('node scripts/fetch-ssg.mjs');
if (run(process.execPath, [join(ROOT, 'scripts', 'fetch-ssg.mjs')]) !== 0) {
  say('fetching the SSG data stream failed; see above.');
  process.exit(1);
}
for (const script of ['typecheck', 'lint', 'build']) {
  say(`npm run ${script}`);
  if (run(npm, ['run', '--silent', script]) !== 0) {
    say(`npm run ${script} failed.`);
    process.exit(1);
  }
}
// The 'bench' project (SSH lab benchmarks, minutes each) runs through `npm run bench`, not here.
const projectChosen = vitestArgs.some((a) => a === '--project' || a.startsWith('--project='));
process.exitCode = run(process.execPath, [
  join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
  'run',
  ...(projectChosen ? [] : ['--project=!bench']),
  ...vitestArgs,
]);
