import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesPerSec, formatCount, formatMib, formatRetention, formatStep } from '../../../renderer/src/format';

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

  it('bucket widths as adjectives, for chart labels', () => {
    expect(formatStep(5000)).toBe('5-s');
    expect(formatStep(60_000)).toBe('1-min');
    expect(formatStep(900_000)).toBe('15-min');
    expect(formatStep(3_600_000)).toBe('1-h');
    expect(formatStep(7_200_000)).toBe('2-h');
  });

  it('retention in days, long ones in years too', () => {
    expect(formatRetention(86_400_000)).toBe('1 day');
    expect(formatRetention(7 * 86_400_000)).toBe('7 days');
    expect(formatRetention(730 * 86_400_000)).toBe('730 days (2 years)');
  });

  it('counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
  });
});
