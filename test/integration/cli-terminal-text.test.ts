// Text a node sends (GPU names, nvidia-smi messages) reaches the operator's terminal through
// `collect`: escape sequences in it must arrive as visible text, never as terminal input.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';

// Retitle the window (OSC ... BEL), turn text red (CSI), clear the screen with the one-byte
// C1 CSI, and flip what follows right to left.
const HOSTILE = '\u001b]0;pwned\u0007\u001b[31mRED\u009b2J\u202eflipped';
// Every control a terminal acts on, less the newline that ends each line of output.
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A fake nvidia-smi printing a real capture whose GPU name was replaced by `name`. */
function smiWithGpuName(name: string): string {
  const xml = readFixture('nvidia-smi', 'xml', 'rtx-3090-drv590-v13.xml').replace(
    /<product_name>[^<]*<\/product_name>/,
    `<product_name>${name}</product_name>`,
  );
  const file = join(tempDir(), 'capture.xml');
  writeFileSync(file, xml);
  return fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || exit 2\ncat '${file}'` }).path;
}

/** A fake nvidia-smi that fails, printing `text`. */
function failingSmi(text: string): string {
  const file = join(tempDir(), 'message.txt');
  writeFileSync(file, text);
  return fakeNvidiaSmi({ script: `cat '${file}' >&2\nexit 3` }).path;
}

describe('collect prints what nodes send as text, not as terminal input', () => {
  it('a GPU name with escape sequences', () => {
    const result = runCli(['collect', '--once'], isolatedEnv({ PATH: smiWithGpuName(`NVIDIA ${HOSTILE}`) }));
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(result.stderr).not.toMatch(TERMINAL_CONTROLS);
    expect(result.stdout).toContain('[0] NVIDIA \\x1b]0;pwned\\x07\\x1b[31mRED\\x9b2J\\u202eflipped  util');
  });

  it('an nvidia-smi error message with escape sequences', () => {
    const result = runCli(['collect', '--once'], isolatedEnv({ PATH: failingSmi(`GPU lost ${HOSTILE}\n`) }));
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(result.stdout).toMatch(/gpu +failed: nvidia-smi failed \(exit 3\): GPU lost \\x1b\]0;pwned\\x07/);
  });

  it('--json escapes them too and keeps the value', () => {
    const result = runCli(['collect', '--once', '--json'], isolatedEnv({ PATH: smiWithGpuName(`NVIDIA ${HOSTILE}`) }));
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(TERMINAL_CONTROLS);
    const document = JSON.parse(result.stdout) as { nodes: Array<{ gpus: Array<{ productName: string }> }> };
    expect(document.nodes[0]!.gpus[0]!.productName).toBe(`NVIDIA ${HOSTILE}`);
  });
});
