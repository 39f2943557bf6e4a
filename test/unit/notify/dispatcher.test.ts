import { describe, expect, it } from 'vitest';
import type { Notification, NotificationSink } from '../../../electron/core/alerts/types';
import { NotificationDispatcher } from '../../../electron/core/notify/dispatcher';

const note = (alertId: number): Notification => ({
  kind: 'alert',
  severity: 'warning',
  title: `alert ${alertId}`,
  body: '',
  nodeId: 'gpu-01',
  alertId,
  alertIds: [alertId],
  ruleId: 'r',
  atMs: 0,
});

/** A sink that records what it got; `hold` makes each send wait until released (or aborted). */
function recordingSink(name: string, behaviour: 'ok' | 'hang-ignoring-abort' | 'hang' | 'fail' = 'ok') {
  const sent: number[] = [];
  const signals: AbortSignal[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const sink: NotificationSink = {
    name,
    async send(n, signal) {
      signals.push(signal);
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        if (behaviour === 'hang-ignoring-abort') await new Promise(() => {});
        if (behaviour === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        if (behaviour === 'fail') throw Object.assign(new Error('connection refused'), { stack: 'Error: connection refused\n    at somewhere' });
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(n.alertId!);
      } finally {
        concurrent -= 1;
      }
    },
  };
  return { sink, sent, signals, maxConcurrent: () => maxConcurrent };
}

function logger() {
  const lines: string[] = [];
  return { lines, log: { warn: (m: string) => lines.push(`warn: ${m}`), info: (m: string) => lines.push(`info: ${m}`) } };
}

describe('NotificationDispatcher', () => {
  it('returns at once and keeps delivering to a good sink while another hangs', async () => {
    const good = recordingSink('good');
    const stuck = recordingSink('stuck', 'hang-ignoring-abort');
    const dispatcher = new NotificationDispatcher({ sinks: [stuck.sink, good.sink], log: logger().log, timeoutMs: 60_000 });

    expect(dispatcher.deliver([note(1), note(2), note(3)])).toBeUndefined();
    expect(good.sent).toEqual([]); // nothing was sent inside deliver()
    await expect.poll(() => good.sent).toEqual([1, 2, 3]);
    // The stuck sink is still on its first notification: one at a time.
    expect(stuck.signals).toHaveLength(1);
    expect(stuck.signals[0]!.aborted).toBe(false);
    await dispatcher.close();
    expect(stuck.signals[0]!.aborted).toBe(true);
  });

  it('aborts a send at the timeout and leaves behind a sink that ignores the abort', async () => {
    const stuck = recordingSink('stuck', 'hang-ignoring-abort');
    const { lines, log } = logger();
    const dispatcher = new NotificationDispatcher({ sinks: [stuck.sink], log, timeoutMs: 100 });
    dispatcher.deliver([note(1), note(2)]);
    await dispatcher.idle();
    // Each send was aborted at the timeout, in order; the run of the same error is logged once.
    expect(stuck.signals).toHaveLength(2);
    expect(stuck.signals.every((signal) => signal.aborted)).toBe(true);
    expect(lines).toEqual(['warn: a notification to stuck failed: timed out after 100 ms']);
  });

  it('sends one at a time per sink, in order', async () => {
    const sink = recordingSink('one');
    const dispatcher = new NotificationDispatcher({ sinks: [sink.sink], log: logger().log, timeoutMs: 5000 });
    dispatcher.deliver([note(1), note(2)]);
    dispatcher.deliver([note(3)]);
    await dispatcher.idle();
    expect(sink.sent).toEqual([1, 2, 3]);
    expect(sink.maxConcurrent()).toBe(1);
  });

  it('drops the oldest past the queue limit and says how many, once', async () => {
    const slow = recordingSink('slow', 'hang');
    const { lines, log } = logger();
    const dispatcher = new NotificationDispatcher({ sinks: [slow.sink], log, timeoutMs: 100, queueLimit: 2 });
    dispatcher.deliver([1, 2, 3, 4, 5].map(note)); // 1 is being sent; 2 and 3 are dropped
    await dispatcher.idle();
    expect(slow.signals).toHaveLength(3);
    expect(lines).toEqual([
      'warn: notifications to slow: queue full, dropping the oldest',
      'warn: a notification to slow failed: timed out after 100 ms',
      'warn: notifications to slow: 2 dropped while the queue was full',
    ]);
  });

  it('logs a failure once per run of the same error, without a stack, and when the sink works again', async () => {
    const failing = recordingSink('flaky', 'fail');
    const { lines, log } = logger();
    const dispatcher = new NotificationDispatcher({ sinks: [failing.sink], log, timeoutMs: 5000 });
    dispatcher.deliver([1, 2, 3].map(note));
    await dispatcher.idle();
    expect(lines).toEqual(['warn: a notification to flaky failed: connection refused']);
    expect(lines.join('\n')).not.toContain('somewhere');
  });

  it('reports recovery after failures', async () => {
    let fail = true;
    const sink: NotificationSink = {
      name: 'flaky',
      send: async () => {
        if (fail) throw new Error('HTTP 503');
      },
    };
    const { lines, log } = logger();
    const dispatcher = new NotificationDispatcher({ sinks: [sink], log, timeoutMs: 5000 });
    dispatcher.deliver([note(1), note(2)]);
    await dispatcher.idle();
    fail = false;
    dispatcher.deliver([note(3)]);
    await dispatcher.idle();
    expect(lines).toEqual(['warn: a notification to flaky failed: HTTP 503', 'info: notifications to flaky work again (after 2 failed)']);
  });

  it('close() aborts the send under way, drops the queue and accepts nothing more', async () => {
    const slow = recordingSink('slow', 'hang');
    const dispatcher = new NotificationDispatcher({ sinks: [slow.sink], log: logger().log, timeoutMs: 60_000 });
    dispatcher.deliver([note(1), note(2)]);
    await expect.poll(() => slow.signals.length).toBe(1);
    await dispatcher.close();
    expect(slow.signals[0]!.aborted).toBe(true);
    dispatcher.deliver([note(3)]);
    await dispatcher.idle();
    expect(slow.signals).toHaveLength(1);
  });
});
