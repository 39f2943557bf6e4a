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
    const hosts = '127.0.0.1 localhost\nroot:$6$salt$hash:0\n';
    expect(redactSecrets({ kind: 'read', path: '/etc/hosts' }, hosts)).toBe(hosts);
  });
});

describe('evidence of /etc/passwd and /etc/group', () => {
  // A hash left in passwd (no pwconv) is exactly what gnb-acct-003 reports: the report must not carry it.
  const passwd =
    'root:x:0:0:root:/root:/bin/bash\nbob:$6$salt$hash:1000:1000::/home/bob:/bin/sh\nnobody:*:65534:65534::/:/usr/sbin/nologin\nlocked:!:1001:1001::/:/bin/sh\nopen::1002:1002::/:/bin/sh\n';
  const group = 'root:x:0:\nstaff:$1$abc$def:50:bob\n';

  it('keeps x, *, ! and empty visible and redacts anything else, read or through sudo cat', () => {
    for (const op of [{ kind: 'read', path: '/etc/passwd' } as const, { kind: 'exec', program: 'cat', args: ['--', '/etc/passwd'], sudo: true } as const]) {
      const kept = redactSecrets(op, passwd);
      expect(kept).not.toContain('$6$');
      expect(kept.split('\n').map((line) => line.split(':')[1])).toEqual(['x', '<hash redacted>', '*', '!', '', undefined]);
    }
    const keptGroup = redactSecrets({ kind: 'read', path: '/etc/group' }, group);
    expect(keptGroup).not.toContain('$1$');
    expect(keptGroup.startsWith('root:x:0:\nstaff:<hash redacted>:50:bob')).toBe(true);
  });
});
