// `npm run bench [-- NAME... --json]`: builds if needed, then runs the benchmarks of bench/ from
// their build (dist/bench/bench/cli.js; `npm run build:bench`, part of `npm run build`).
// `npm run bench -- ssh` without --ssh-config runs the SSH fleet benchmark on the SSH lab (real
// sshd hosts in network namespaces, root only): the vitest project 'bench' (test/bench), which
// calls the CLI suite's measuring code; its report is printed here, vitest's own output goes to stderr.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, ensureBuilt, ensureInstalled, run, say } from './lib/setup.mjs';

const args = process.argv.slice(2);
/** Options of bench/cli.ts (and of the lab run) that take a value. */
const VALUE_OPTIONS = new Set([
  '--ticks',
  '--input',
  '--batch',
  '--ssh-config',
  '--host',
  '--known-hosts',
  '--nodes',
  '--duration',
  '--interval',
  '--parallel',
  '--rounds',
  '--profile',
  '--kills',
  '--node-work',
  '--ports',
  '--gpus',
]);
const names = args.filter((arg, i) => !arg.startsWith('-') && !(i > 0 && VALUE_OPTIONS.has(args[i - 1])));
const onLab = names.includes('ssh') && !args.some((a) => a === '--ssh-config' || a.startsWith('--ssh-config='));

// The build's own output goes to stderr: stdout is the report (or its JSON).
const toStderr = { stdio: ['inherit', 2, 'inherit'] };

await ensureInstalled();
if (!onLab) {
  ensureBuilt(toStderr);
  process.exitCode = run(process.execPath, [join(ROOT, 'dist', 'bench', 'bench', 'cli.js'), ...args]);
} else if (names.length > 1) {
  say('run the SSH lab benchmark on its own: `npm run bench -- ssh [--nodes N --duration 3m ...]`, and the others apart.');
  process.exitCode = 2;
} else if (process.getuid?.() !== 0) {
  say(
    'bench ssh: the SSH lab (sshd hosts in network namespaces) needs root; run it as root, or point it at real hosts: `npm run bench -- ssh --ssh-config ~/.ssh/config --all-hosts --nodes 500`.',
  );
  process.exitCode = 1;
} else {
  // The engine runs from the build (a process of its own, so its CPU and RSS are its alone).
  ensureBuilt(toStderr);
  const out = mkdtempSync(join(tmpdir(), 'cd-bench-out-'));
  const report = join(out, 'report.txt');
  const vitest = [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'bench'];
  // Hundreds of connections, sockets and ssh processes: the soft open-files limit up to the hard one.
  const command = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  const status = run('/bin/sh', ['-c', command, process.execPath, ...vitest], {
    stdio: ['inherit', 2, 'inherit'],
    env: { ...process.env, CLUSTERDECK_BENCH_ARGS: JSON.stringify(args.filter((a) => a !== 'ssh')), CLUSTERDECK_BENCH_OUT: report },
  });
  try {
    process.stdout.write(readFileSync(report, 'utf8'));
  } catch {
    say('bench ssh produced no report; see the output above.');
  }
  rmSync(out, { recursive: true, force: true });
  process.exitCode = status;
}
