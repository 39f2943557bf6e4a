import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../../electron/core/hosts/ssh/semaphore';

describe('Semaphore', () => {
  it('gives a slot at once while one is free, null when all are taken, and again once one is released', () => {
    const slots = new Semaphore(2);
    const first = slots.tryAcquire();
    const second = slots.tryAcquire();
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(slots.tryAcquire()).toBeNull();
    first!();
    // Releasing twice frees one slot, not two.
    first!();
    const third = slots.tryAcquire();
    expect(third).toBeTypeOf('function');
    expect(slots.tryAcquire()).toBeNull();
  });

  it('hands a released slot to a waiter before a later tryAcquire', async () => {
    const slots = new Semaphore(1);
    const held = slots.tryAcquire()!;
    const waiting = slots.acquire();
    held();
    // The slot is the waiter's already, before it has run.
    expect(slots.tryAcquire()).toBeNull();
    const release = await waiting;
    expect(slots.tryAcquire()).toBeNull();
    release();
    expect(slots.tryAcquire()).toBeTypeOf('function');
  });
});
