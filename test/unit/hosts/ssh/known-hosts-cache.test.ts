// verifyHostKey runs at every handshake: a known_hosts file is parsed again only when it changed.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replaceHostKey, trustHostKey, verifyHostKey, type HostKey } from '../../../../electron/core/hosts/ssh/known-hosts';
import { ed25519Key } from '../../../helpers/host-keys';
import { tempDir } from '../../../helpers/tmp';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, readFileSync: vi.fn(actual.readFileSync) };
});

const line = (name: string, key: HostKey) => `${name} ${key.type} ${key.blob.toString('base64')}\n`;
/** Dates the file back, as a file not written in the last moments is. */
const age = (file: string) => fs.utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

afterEach(() => {
  vi.mocked(fs.readFileSync).mockClear();
});

describe('known_hosts reading', () => {
  const a = ed25519Key();
  const b = ed25519Key();
  const reads = (file: string) => vi.mocked(fs.readFileSync).mock.calls.filter(([path]) => path === file).length;

  it('parses an unchanged file once, however many handshakes verify against it', () => {
    const file = join(tempDir(), 'known_hosts');
    fs.writeFileSync(file, line('gpu1', a));
    age(file);
    for (let i = 0; i < 5; i += 1) expect(verifyHostKey([file], 'gpu1', 22, a).kind).toBe('trusted');
    expect(reads(file)).toBe(1);
  });

  it("reads the file again after it changed, by our own writes or anyone else's", () => {
    const file = join(tempDir(), 'known_hosts');
    fs.writeFileSync(file, line('gpu1', a));
    age(file);
    expect(verifyHostKey([file], 'gpu2', 22, b).kind).toBe('unknown');
    trustHostKey(file, 'gpu2', 22, b);
    expect(verifyHostKey([file], 'gpu2', 22, b).kind).toBe('trusted');
    replaceHostKey(file, 'gpu2', 22, a);
    expect(verifyHostKey([file], 'gpu2', 22, b).kind).toBe('mismatch');
    // Someone else rewrites it with a line of the same length, within the same clock tick.
    fs.writeFileSync(file, line('gpu1', b));
    expect(verifyHostKey([file], 'gpu1', 22, b).kind).toBe('trusted');
    fs.writeFileSync(file, line('gpu1', a));
    expect(verifyHostKey([file], 'gpu1', 22, b).kind).toBe('mismatch');
    fs.rmSync(file);
    expect(verifyHostKey([file], 'gpu1', 22, b).kind).toBe('unknown');
  });
});
