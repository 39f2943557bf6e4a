/**
 * The fake `nvidia-smi` each lab host has in its own /usr/local/bin (first on PATH for login and
 * non-login shells alike). There is no GPU here: the script prints a real capture from
 * test/fixtures/nvidia-smi, copied into the host's folder so the test user can read it wherever
 * the checkout lives, and referred to by absolute path.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixturePath, listFixtures } from '../fixtures';

export type NvidiaSmiBehaviour =
  /**
   * `nvidia-smi -q -x` prints test/fixtures/nvidia-smi/xml/NAME (after delayMs); other arguments
   * exit 2, but for the optional CSV captures: with `queryGpuFixture` (csv/NAME, a
   * `--query-gpu` capture with its header), `--query-gpu=FIELDS --format=csv[,noheader][,nounits]`
   * prints the capture's values of FIELDS (a field it lacks is refused as nvidia-smi refuses
   * one); with `computeAppsFixture` (csv/NAME), the exact command of its .cmd prints it, PIDs
   * replaced by the `OLD, NEW` lines of `pidMapFile` (which the test writes, readable by the
   * login user) so that /proc reads on the host find real processes.
   */
  | { xmlFixture: string; delayMs?: number; queryGpuFixture?: string; computeAppsFixture?: string; pidMapFile?: string }
  /** Prints test/fixtures/nvidia-smi/errors/NAME on stdout (as nvidia-smi does) and exits with exitCode. */
  | { errorFixture: string; exitCode: number }
  /** The body of a /bin/sh script, e.g. `exec sleep 600` for a hung command. */
  | { script: string }
  /** Prints this many bytes (lines of "flood") and exits 0. */
  | { floodBytes: number };

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function copyFixture(kind: 'xml' | 'errors' | 'csv', name: string, hostDir: string): string {
  if (name !== basename(name)) throw new Error(`nvidia-smi fixture names are plain file names, not paths: ${JSON.stringify(name)}`);
  const source = fixturePath('nvidia-smi', kind, name);
  if (!existsSync(source)) {
    const known = listFixtures(join('nvidia-smi', kind), kind === 'errors' ? '' : `.${kind}`);
    throw new Error(`no nvidia-smi fixture ${kind}/${name}; there are: ${known.join(', ')}`);
  }
  const dir = join(hostDir, 'fixtures');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const target = join(dir, `${kind}-${name}`);
  copyFileSync(source, target);
  chmodSync(target, 0o644);
  return target;
}

// `--query-gpu=FIELDS`: the capture's header names the columns (units in brackets); each row is
// printed with the asked fields in the asked order, units dropped for nounits.
const QUERY_GPU_AWK = `awk -F', ' -v q="\${1#--query-gpu=}" -v f="$2" '
NR == 1 {
  for (i = 1; i <= NF; i++) { h = $i; u = ""; if (match(h, / \\[[^]]*\\]$/)) { u = substr(h, RSTART + 2, RLENGTH - 3); h = substr(h, 1, RSTART - 1) } col[h] = i; unit[h] = u }
  n = split(q, want, ",")
  for (k = 1; k <= n; k++) if (!(want[k] in col)) { printf "Field \\"%s\\" is not a valid field to query.\\n", want[k]; bad = 1; exit 2 }
  if (f !~ /noheader/) { line = ""; for (k = 1; k <= n; k++) line = line (k > 1 ? ", " : "") want[k] (f ~ /nounits/ || unit[want[k]] == "" ? "" : " [" unit[want[k]] "]"); print line }
  next
}
{ line = ""; for (k = 1; k <= n; k++) { v = $(col[want[k]]); if (f ~ /nounits/ && unit[want[k]] != "") sub(" " unit[want[k]] "$", "", v); line = line (k > 1 ? ", " : "") v } print line }
END { if (bad) exit 2 }'`;

/** The fake's answers to the CSV queries of an xmlFixture behaviour that has CSV captures. */
function csvCases(behaviour: Extract<NvidiaSmiBehaviour, { xmlFixture: string }>, hostDir: string): string {
  const cases: string[] = [];
  if (behaviour.queryGpuFixture) {
    const file = copyFixture('csv', behaviour.queryGpuFixture, hostDir);
    cases.push(`--query-gpu=*) ${QUERY_GPU_AWK} ${shQuote(file)}; exit $?;;`);
  }
  if (behaviour.computeAppsFixture) {
    const file = copyFixture('csv', behaviour.computeAppsFixture, hostDir);
    const command = readFileSync(fixturePath('nvidia-smi', 'csv', behaviour.computeAppsFixture.replace(/\.csv$/, '.cmd')), 'utf8').trim();
    const args = command.replace(/^nvidia-smi /, '');
    const map = behaviour.pidMapFile ? shQuote(behaviour.pidMapFile) : "''";
    cases.push(
      `--query-compute-apps=*) if [ "$*" != ${shQuote(args)} ]; then echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2; fi`,
      `if [ -r ${map} ]; then exec awk -F', ' -v OFS=', ' 'FNR == NR { m[$1] = $2; next } FNR > 1 && ($6 in m) { $6 = m[$6] } { print }' ${map} ${shQuote(file)}; fi`,
      `exec cat ${shQuote(file)};;`,
    );
  }
  return cases.length === 0 ? '' : `case "$1" in\n${cases.join('\n')}\nesac\n`;
}

/** The script text for a behaviour (copying its fixture into hostDir/fixtures). */
export function nvidiaSmiScript(behaviour: NvidiaSmiBehaviour, hostDir: string, hostName: string): string {
  const head = `#!/bin/sh\n# Fake nvidia-smi of SSH lab host ${hostName} (test/helpers/ssh-lab).\n`;
  if ('xmlFixture' in behaviour) {
    const file = copyFixture('xml', behaviour.xmlFixture, hostDir);
    const delay = behaviour.delayMs ? `sleep ${(behaviour.delayMs / 1000).toFixed(3)}\n` : '';
    return `${head}${csvCases(behaviour, hostDir)}if [ $# -ne 2 ] || [ "$1" != -q ] || [ "$2" != -x ]; then echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2; fi\n${delay}exec cat ${shQuote(file)}\n`;
  }
  if ('errorFixture' in behaviour) {
    if (!Number.isInteger(behaviour.exitCode) || behaviour.exitCode < 0 || behaviour.exitCode > 255) {
      throw new Error(`exitCode must be an integer 0..255, not ${behaviour.exitCode}`);
    }
    const file = copyFixture('errors', behaviour.errorFixture, hostDir);
    return `${head}cat ${shQuote(file)}\nexit ${behaviour.exitCode}\n`;
  }
  if ('floodBytes' in behaviour) {
    if (!Number.isSafeInteger(behaviour.floodBytes) || behaviour.floodBytes < 0) throw new Error(`floodBytes must be a non-negative integer`);
    return `${head}yes flood | head -c ${behaviour.floodBytes}\n`;
  }
  return `${head}${behaviour.script}\n`;
}

/** Installs (or, for null, removes) binDir/nvidia-smi; atomic, so a running host never sees half a script. */
export function installNvidiaSmi(binDir: string, hostDir: string, hostName: string, behaviour: NvidiaSmiBehaviour | null): void {
  const target = join(binDir, 'nvidia-smi');
  if (behaviour === null) {
    rmSync(target, { force: true });
    return;
  }
  const temp = join(binDir, '.nvidia-smi.new');
  writeFileSync(temp, nvidiaSmiScript(behaviour, hostDir, hostName), { mode: 0o755 });
  chmodSync(temp, 0o755);
  renameSync(temp, target);
}
