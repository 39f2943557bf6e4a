import { describe, expect, it } from 'vitest';
import { parseProcUptime } from '../../../../electron/core/collectors/linux/proc-uptime';

// No /proc/uptime capture is in the fixture set; the format is two decimals (proc(5)).
describe('parseProcUptime', () => {
  it('reads uptime and idle seconds', () => {
    expect(parseProcUptime('350735.47 234388.90\n')).toEqual({ uptimeSec: 350735.47, idleSec: 234388.9, warnings: [] });
  });

  it('reads a line without the idle column', () => {
    expect(parseProcUptime('12.5\n')).toMatchObject({ uptimeSec: 12.5, idleSec: null, warnings: [] });
  });

  it('gives null with a warning for anything else', () => {
    for (const junk of ['', 'up 3 days', '-5.00 1.00', '1e308 0', '\u0000']) {
      const got = parseProcUptime(junk);
      expect(got.uptimeSec).toBeNull();
      expect(got.warnings.length).toBe(1);
    }
  });
});
