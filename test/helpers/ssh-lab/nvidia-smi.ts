/**
 * The fake `nvidia-smi` each lab host has in its own /usr/local/bin (first on PATH for login and
 * non-login shells alike). There is no GPU here: the script prints a real capture from
 * test/fixtures/nvidia-smi, copied into the host's folder so the test user can read it wherever
 * the checkout lives, and referred to by absolute path.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fixturePath, listFixtures } from '../fixtures';

export type NvidiaSmiBehaviour =
  /** `nvidia-smi -q -x` prints test/fixtures/nvidia-smi/xml/NAME (after delayMs); other arguments exit 2. */
  | { xmlFixture: string; delayMs?: number }
  /** Prints test/fixtures/nvidia-smi/errors/NAME on stdout (as nvidia-smi does) and exits with exitCode. */
  | { errorFixture: string; exitCode: number }
  /** The body of a /bin/sh script, e.g. `exec sleep 600` for a hung command. */
  | { script: string }
  /** Prints this many bytes (lines of "flood") and exits 0. */
  | { floodBytes: number };

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function copyFixture(kind: 'xml' | 'errors', name: string, hostDir: string): string {
  if (name !== basename(name)) throw new Error(`nvidia-smi fixture names are plain file names, not paths: ${JSON.stringify(name)}`);
  const source = fixturePath('nvidia-smi', kind, name);
  if (!existsSync(source)) {
    const known = listFixtures(join('nvidia-smi', kind), kind === 'xml' ? '.xml' : '');
    throw new Error(`no nvidia-smi fixture ${kind}/${name}; there are: ${known.join(', ')}`);
  }
  const dir = join(hostDir, 'fixtures');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const target = join(dir, `${kind}-${name}`);
  copyFileSync(source, target);
  chmodSync(target, 0o644);
  return target;
}

/** The script text for a behaviour (copying its fixture into hostDir/fixtures). */
export function nvidiaSmiScript(behaviour: NvidiaSmiBehaviour, hostDir: string, hostName: string): string {
  const head = `#!/bin/sh\n# Fake nvidia-smi of SSH lab host ${hostName} (test/helpers/ssh-lab).\n`;
  if ('xmlFixture' in behaviour) {
    const file = copyFixture('xml', behaviour.xmlFixture, hostDir);
    const delay = behaviour.delayMs ? `sleep ${(behaviour.delayMs / 1000).toFixed(3)}\n` : '';
    return `${head}if [ $# -ne 2 ] || [ "$1" != -q ] || [ "$2" != -x ]; then echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2; fi\n${delay}exec cat ${shQuote(file)}\n`;
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
