import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fixturePath } from './fixtures';

/**
 * A fake `nvidia-smi` in a fresh folder, to put first on PATH: there is no GPU here, so the
 * script prints a real capture (or a real error text with NVML's exit code).
 */
export interface FakeNvidiaSmi {
  dir: string;
  /** PATH with the fake first. */
  path: string;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function fakeNvidiaSmi(behaviour: { xmlFixture: string } | { errorFixture: string; exitCode: number } | { script: string }): FakeNvidiaSmi {
  const dir = mkdtempSync(join(tmpdir(), 'cd-fake-smi-'));
  let body: string;
  if ('xmlFixture' in behaviour) {
    body = `[ "$1 $2" = "-q -x" ] || { echo "unexpected arguments: $*" >&2; exit 2; }\ncat ${quote(fixturePath('nvidia-smi', 'xml', behaviour.xmlFixture))}\n`;
  } else if ('errorFixture' in behaviour) {
    body = `cat ${quote(fixturePath('nvidia-smi', 'errors', behaviour.errorFixture))}\nexit ${behaviour.exitCode}\n`;
  } else {
    body = `${behaviour.script}\n`;
  }
  const file = join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n${body}`);
  chmodSync(file, 0o755);
  return { dir, path: `${dir}${delimiter}${process.env.PATH ?? ''}` };
}
