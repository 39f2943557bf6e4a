import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesPerSec, formatMib } from '../../../renderer/src/format';

describe('renderer number formatting', () => {
  it('sizes in binary units, like df -h and free -h', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(25_276_026_880)).toBe('23.5 GiB');
  });

  it('rates in decimal units, like network tools', () => {
    expect(formatBytesPerSec(999)).toBe('999 B/s');
    expect(formatBytesPerSec(1_250_000)).toBe('1.25 MB/s');
  });

  it('GPU memory from MiB', () => {
    expect(formatMib(512)).toBe('512 MiB');
    expect(formatMib(81_559)).toBe('79.6 GiB');
  });
});
