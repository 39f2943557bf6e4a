import { describe, expect, it } from 'vitest';
import { CounterRates, UINT32_RANGE } from '../../../../electron/core/collectors/linux/counter-rates';

const BOOT = 'boot-a';

describe('CounterRates', () => {
  it('gives no rate for the first reading, then bytes per second over the real elapsed time', () => {
    const rates = new CounterRates();
    expect(rates.update('eth0', 1000, 0, BOOT)).toBeNull();
    expect(rates.update('eth0', 6000, 2500, BOOT)).toBe(2000);
    // An uneven interval: 3000 bytes in 1.5 s.
    expect(rates.update('eth0', 9000, 4000, BOOT)).toBe(2000);
    expect(rates.update('eth0', 9000, 9000, BOOT)).toBe(0);
  });

  it('keeps series apart', () => {
    const rates = new CounterRates();
    rates.update('eth0:rx', 0, 0, BOOT);
    rates.update('eth0:tx', 100, 0, BOOT);
    expect(rates.update('eth0:rx', 500, 1000, BOOT)).toBe(500);
    expect(rates.update('eth0:tx', 100, 1000, BOOT)).toBe(0);
  });

  it('gives no rate across a reboot, then resumes', () => {
    const rates = new CounterRates();
    rates.update('eth0', 9_000_000, 0, BOOT);
    // The new boot's counter is far lower; comparing would be a huge negative or wrapped spike.
    expect(rates.update('eth0', 1000, 1000, 'boot-b')).toBeNull();
    expect(rates.update('eth0', 3000, 2000, 'boot-b')).toBe(2000);
  });

  it('gives no rate when a 64-bit counter goes down within one boot (driver reload, interface re-created)', () => {
    const rates = new CounterRates();
    rates.update('eth0', 5_000_000_000, 0, BOOT);
    expect(rates.update('eth0', 10, 1000, BOOT)).toBeNull();
    // Small values too: a reset below 2^32 is not taken for a wrap on a 64-bit counter.
    rates.update('eth1', 4_000_000_000, 0, BOOT);
    expect(rates.update('eth1', 100, 1000, BOOT)).toBeNull();
    expect(rates.update('eth1', 1100, 2000, BOOT)).toBe(1000);
  });

  it('counts a 32-bit counter that wrapped, as the wrapped distance', () => {
    const rates = new CounterRates();
    rates.update('eth0', UINT32_RANGE - 1000, 0, BOOT, 32);
    expect(rates.update('eth0', 3000, 1000, BOOT, 32)).toBe(4000);
  });

  it('takes a 32-bit drop of more than half the range for a reset, not a wrap', () => {
    const rates = new CounterRates();
    rates.update('eth0', 1_000_000_000, 0, BOOT, 32);
    expect(rates.update('eth0', 5, 1000, BOOT, 32)).toBeNull();
    // Nor is a value past 32 bits ever wrapped at 2^32.
    rates.update('eth1', 5_000_000_000, 0, BOOT, 32);
    expect(rates.update('eth1', 5, 1000, BOOT, 32)).toBeNull();
  });

  it('gives no rate when the clock did not move forward', () => {
    const rates = new CounterRates();
    rates.update('eth0', 0, 5000, BOOT);
    expect(rates.update('eth0', 100, 5000, BOOT)).toBeNull();
    expect(rates.update('eth0', 200, 4000, BOOT)).toBeNull();
    expect(rates.update('eth0', 300, 5000, BOOT)).toBe(100);
  });

  it('drops an implausible rate rather than spike the chart', () => {
    const rates = new CounterRates({ maxPerSec: 1e6 });
    rates.update('eth0', 0, 0, BOOT);
    expect(rates.update('eth0', 2e6, 1000, BOOT)).toBeNull();
    expect(rates.update('eth0', 2.5e6, 2000, BOOT)).toBe(5e5);
  });

  it('refuses values that are not counters', () => {
    const rates = new CounterRates();
    rates.update('eth0', 100, 0, BOOT);
    expect(rates.update('eth0', -1, 1000, BOOT)).toBeNull();
    expect(rates.update('eth0', Number.NaN, 2000, BOOT)).toBeNull();
    expect(rates.update('eth0', 200, Number.POSITIVE_INFINITY, BOOT)).toBeNull();
    expect(rates.update('eth0', 300, 3000, BOOT)).toBeNull();
    expect(rates.update('eth0', 400, 4000, BOOT)).toBe(100);
  });

  it('forgets series that went away and keeps series names out of prototypes', () => {
    const rates = new CounterRates();
    rates.update('__proto__', 1, 0, BOOT);
    rates.update('eth0', 1, 0, BOOT);
    rates.retain(new Set(['eth0']));
    expect(rates.size).toBe(1);
    expect(rates.update('__proto__', 2, 1000, BOOT)).toBeNull();
    expect(rates.update('eth0', 2, 1000, BOOT)).toBe(1);
  });
});
