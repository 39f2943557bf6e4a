// Evidence goes into reports an auditor hands over: it must never carry a password hash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeEvidence, redactSecrets, sha256 } from '../../../electron/core/compliance/evidence';
import type { CollectedFact } from '../../../electron/core/compliance/probes/index';

const shadow = readFileSync(join(__dirname, '../../fixtures/linux-audit/shadow.ubuntu-18.04.jc.txt'), 'utf8');

describe('evidence of the shadow files', () => {
  it('keeps each account and whether its password is empty, locked or set, never the hash (real capture)', () => {
    expect(shadow).toMatch(/\$[1256y]\$/);
    const kept = redactSecrets({ kind: 'read', path: '/etc/shadow' }, shadow);
    expect(kept).not.toMatch(/\$[1256y]\$/);
    expect(kept.split('\n').length).toBe(shadow.split('\n').length);
    for (const [index, line] of shadow.split('\n').entries()) {
      const [name, hash] = line.split(':');
      const out = kept.split('\n')[index]!;
      if (hash === undefined) continue;
      expect(out.startsWith(`${name}:`)).toBe(true);
      if (hash === '' || /^[!*]+$/.test(hash)) expect(out.split(':')[1]).toBe(hash);
      else expect(out.split(':')[1]).toMatch(/<(locked )?hash redacted>$/);
    }
  });

  it('redacts the same when read through sudo, and the stored hash is of the redacted text', () => {
    const op = { kind: 'exec', program: 'cat', args: ['--', '/etc/shadow'], sudo: true } as const;
    const collected = {
      probe: { kind: 'accounts' },
      key: 'accounts',
      fact: { kind: 'accounts', problem: null, warnings: [] },
      trace: [
        {
          op,
          result: { exitCode: 0, stdout: shadow, stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 1 },
          startedAt: 1,
          endedAt: 2,
        },
      ],
    } as unknown as CollectedFact;
    const [evidence] = probeEvidence(collected);
    expect(evidence!.excerpt).not.toMatch(/\$[1256y]\$/);
    expect(evidence!.sha256).toBe(sha256(redactSecrets(op, shadow)));
  });

  it('leaves other files alone', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\n';
    expect(redactSecrets({ kind: 'read', path: '/etc/passwd' }, passwd)).toBe(passwd);
  });
});
