import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../electron/core/log';
import { formatFailedNodeText, formatSnapshotText } from '../../../electron/server/commands/collect';
import { terminalSafe, terminalSafeJson, terminalSafeLogger } from '../../../electron/server/terminal-text';
import { gpu, snapshot } from '../../helpers/snapshots';

const HOSTILE = '\u001b]0;pwned\u0007\u001b[31m\u009b2J\u202e\u2066\u007f\u0000';
// Every control a terminal acts on, less the newline that ends each line of output.
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('terminalSafe', () => {
  it('shows C0, DEL, C1 and bidi controls as escapes', () => {
    expect(terminalSafe(HOSTILE)).toBe('\\x1b]0;pwned\\x07\\x1b[31m\\x9b2J\\u202e\\u2066\\x7f\\x00');
  });

  it('turns tabs and line breaks into spaces, so a field cannot forge a line', () => {
    expect(terminalSafe('a\tb\r\nerror   forged')).toBe('a b  error   forged');
  });

  it('leaves printable text alone, non-ASCII included', () => {
    expect(terminalSafe('NVIDIA H100 80GB HBM3 /mnt/données ✓')).toBe('NVIDIA H100 80GB HBM3 /mnt/données ✓');
  });
});

describe('terminalSafeJson', () => {
  it('escapes what JSON.stringify leaves raw and keeps the value', () => {
    const json = terminalSafeJson(JSON.stringify({ name: HOSTILE }));
    expect(json).not.toMatch(TERMINAL_CONTROLS);
    expect((JSON.parse(json) as { name: string }).name).toBe(HOSTILE);
  });
});

describe('collect text output', () => {
  it('makes every string of a snapshot safe', () => {
    const text = formatSnapshotText(
      snapshot(0, {
        hostname: `node${HOSTILE}`,
        os: { platform: 'linux', distro: `Debian${HOSTILE}`, release: `12${HOSTILE}`, kernel: `6.1${HOSTILE}`, arch: 'x64' },
        filesystems: [
          {
            mount: `/mnt/x${HOSTILE}\nforged`,
            device: '/dev/x',
            fsType: 'ext4',
            sizeBytes: 1,
            usedBytes: 0,
            availableBytes: 1,
            usedPct: 0,
            inodesTotal: null,
            inodesUsed: null,
          },
        ],
        gpuStatus: { state: 'failed', message: `nvidia-smi failed: ${HOSTILE}`, driverVersion: null, cudaVersion: null },
        gpus: [gpu({ productName: `H100${HOSTILE}` })],
        errors: [{ collector: 'disk', message: `df: ${HOSTILE}` }],
      }),
    );
    expect(text).not.toMatch(TERMINAL_CONTROLS);
    // Each of the 8 strings shown, none lost; line breaks in them forge no line.
    expect(text.match(/pwned/g)).toHaveLength(8);
    expect(text.split('\n')).toHaveLength(7);
    expect(text).toContain('  disk    /mnt/x\\x1b]0;pwned');
  });

  it('makes a failed node line safe', () => {
    const line = formatFailedNodeText({ id: 'gpu-1', hostname: 'gpu-1', status: 'unreachable', error: `banner ${HOSTILE}\nforged` });
    expect(line).not.toMatch(TERMINAL_CONTROLS);
    expect(line).toBe('gpu-1  unreachable: banner \\x1b]0;pwned\\x07\\x1b[31m\\x9b2J\\u202e\\u2066\\x7f\\x00 forged');
  });
});

describe('terminalSafeLogger', () => {
  it('makes messages and error messages safe before they reach the terminal', () => {
    const lines: string[] = [];
    const capture: Logger = {
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m, e) => lines.push(`${m}: ${e instanceof Error ? e.message : String(e)}`),
    };
    const log = terminalSafeLogger(capture);
    log.info(`info ${HOSTILE}`);
    log.warn(`warn ${HOSTILE}`);
    log.error(`node ${HOSTILE}`, new Error(`ssh: ${HOSTILE}`));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toMatch(TERMINAL_CONTROLS);
  });
});
