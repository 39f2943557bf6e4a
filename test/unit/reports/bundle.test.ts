// The signed export bundle: written, then verified against its manifest of SHA-256 sums and the
// manifest's Ed25519 signature; each changed, missing or added file is named, an edited manifest
// fails the signature, and so does a public key other than the installation's.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, chmodSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceFileName, verifyBundle, writeBundle, type BundleManifest } from '../../../electron/core/reports/bundle';
import { installKeyFiles, loadOrCreateInstallKey } from '../../../electron/core/reports/install-key';
import type { ReportFile } from '../../../electron/core/reports/types';
import { tempDir } from '../../helpers/tmp';

const encoder = new TextEncoder();

function reports(): ReportFile[] {
  return [
    { fileName: 'gpu-node-baseline-run1.json', mime: 'application/json', bytes: encoder.encode('{"runId":1}\n') },
    { fileName: 'gpu-node-baseline-run1.csv', mime: 'text/csv', bytes: encoder.encode('node,check,status\r\nn1,"a, b",fail\r\n') },
  ];
}

function evidence(): Array<{ name: string; bytes: Uint8Array }> {
  return [
    { name: evidenceFileName('gpu-01', 'ssh-root-login'), bytes: encoder.encode('[{"probe":"sshd"}]') },
    { name: evidenceFileName('ssh:lab/../a1', 'fw'), bytes: encoder.encode('[]') },
  ];
}

function written(): { dir: string; dataDir: string } {
  const root = tempDir();
  const dataDir = join(root, 'data');
  const dir = join(root, 'bundle');
  const attachments = [{ name: 'a'.repeat(64), bytes: encoder.encode('photo of the rack label') }];
  writeBundle({ dir, files: reports(), evidence: evidence(), attachments, signer: loadOrCreateInstallKey(dataDir) });
  return { dir, dataDir };
}

function manifestOf(dir: string): BundleManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
}

describe('writeBundle', () => {
  it('writes the reports at its top, the evidence, the attachments, a manifest of every file with its SHA-256 and size, its signature and the public key', () => {
    const { dir } = written();
    const manifest = manifestOf(dir);
    expect(manifest.files.map((file) => file.path).sort()).toEqual(
      [
        `attachments/${'a'.repeat(64)}`,
        'evidence/gpu-01--ssh-root-login.json',
        'evidence/ssh_lab_.._a1--fw.json',
        'gpu-node-baseline-run1.csv',
        'gpu-node-baseline-run1.json',
      ].sort(),
    );
    for (const file of manifest.files) {
      const bytes = readFileSync(join(dir, file.path));
      expect(file.bytes).toBe(bytes.length);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(readFileSync(join(dir, 'gpu-node-baseline-run1.csv'), 'utf8')).toBe('node,check,status\r\nn1,"a, b",fail\r\n');
    expect(readFileSync(join(dir, 'manifest.sig')).length).toBe(64);
    expect(readFileSync(join(dir, 'public-key.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it("refuses a folder that already holds files; names that would collide once made safe, or the manifest's, get another", () => {
    const { dir, dataDir } = written();
    const signer = loadOrCreateInstallKey(dataDir);
    expect(() => writeBundle({ dir, files: reports(), evidence: [], signer })).toThrow(/not empty/);
    const other = join(tempDir(), 'b');
    const twice = [
      { name: 'a:b.json', bytes: encoder.encode('1') },
      { name: 'a/b.json', bytes: encoder.encode('2') },
    ];
    const ownName = [{ fileName: 'manifest.json', mime: 'application/json', bytes: encoder.encode('{}') }];
    writeBundle({ dir: other, files: ownName, evidence: twice, signer });
    expect(
      manifestOf(other)
        .files.map((file) => file.path)
        .sort(),
    ).toEqual(['evidence/a_b-2.json', 'evidence/a_b.json', 'manifest-2.json']);
    expect(verifyBundle(other).ok).toBe(true);
  });
});

describe('verifyBundle', () => {
  it('an untouched bundle is intact and its signature valid, with the installation key as trusted key too', () => {
    const { dir, dataDir } = written();
    const result = verifyBundle(dir);
    expect(result).toMatchObject({ ok: true, changed: [], missing: [], added: [], signatureValid: true, problems: [] });
    const trusted = readFileSync(installKeyFiles(dataDir).publicKey, 'utf8');
    expect(verifyBundle(dir, trusted)).toMatchObject({ ok: true, signatureValid: true });
  });

  it('names a file whose byte changed', () => {
    const { dir } = written();
    const path = join(dir, 'gpu-node-baseline-run1.json');
    const bytes = readFileSync(path);
    bytes[2] = bytes[2]! ^ 1;
    writeFileSync(path, bytes);
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: ['gpu-node-baseline-run1.json'], missing: [], added: [], signatureValid: true });
  });

  it('names a file that grew by one byte', () => {
    const { dir } = written();
    appendFileSync(join(dir, 'evidence', 'gpu-01--ssh-root-login.json'), ' ');
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: ['evidence/gpu-01--ssh-root-login.json'] });
  });

  it('names a deleted file as missing', () => {
    const { dir } = written();
    rmSync(join(dir, 'evidence', 'gpu-01--ssh-root-login.json'));
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: [], missing: ['evidence/gpu-01--ssh-root-login.json'], added: [], signatureValid: true });
  });

  it('names an added file, and a link put in the bundle', () => {
    const { dir } = written();
    writeFileSync(join(dir, 'evidence', 'extra.txt'), 'x');
    symlinkSync('/etc/hostname', join(dir, 'evil-link'));
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: [], missing: [], added: ['evidence/extra.txt', 'evil-link'], signatureValid: true });
  });

  it('a listed file replaced by a link is changed (links are never followed)', () => {
    const { dir } = written();
    const path = join(dir, 'gpu-node-baseline-run1.json');
    const copy = join(dir, '..', 'copy.json');
    writeFileSync(copy, readFileSync(path));
    rmSync(path);
    symlinkSync(copy, path);
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: ['gpu-node-baseline-run1.json'] });
  });

  it('an edited manifest fails the signature, even when the file it lists was changed to match', () => {
    const { dir } = written();
    const path = join(dir, 'gpu-node-baseline-run1.json');
    writeFileSync(path, '{"runId":2}\n');
    const manifest = manifestOf(dir);
    const entry = manifest.files.find((file) => file.path === 'gpu-node-baseline-run1.json')!;
    entry.sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    expect(verifyBundle(dir)).toMatchObject({ ok: false, changed: [], missing: [], added: [], signatureValid: false });
  });

  it('a manifest re-signed with another key is valid only against its own key: a trusted key other than it fails', () => {
    const { dir, dataDir } = written();
    const other = generateKeyPairSync('ed25519');
    expect(verifyBundle(dir, other.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toMatchObject({ ok: false, signatureValid: false });
    // A forger who swaps public-key.pem for theirs cannot pass a check against the installation's key.
    writeFileSync(join(dir, 'public-key.pem'), other.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(verifyBundle(dir)).toMatchObject({ ok: false, signatureValid: false });
    const trusted = readFileSync(installKeyFiles(dataDir).publicKey, 'utf8');
    expect(verifyBundle(dir, trusted)).toMatchObject({ ok: false, signatureValid: true });
  });

  it('a missing or unreadable manifest or signature is a problem, never ok', () => {
    const { dir } = written();
    rmSync(join(dir, 'manifest.sig'));
    expect(verifyBundle(dir)).toMatchObject({ ok: false, signatureValid: false, problems: [expect.stringMatching(/manifest\.sig/)] });
    writeFileSync(join(dir, 'manifest.json'), 'not json');
    expect(verifyBundle(dir).ok).toBe(false);
    expect(verifyBundle(dir).problems.join('\n')).toMatch(/manifest\.json/);
    expect(verifyBundle(join(dir, 'nope')).problems.join('\n')).toMatch(/not a folder|no such/i);
  });

  it('a manifest naming a path outside the bundle is refused, not read', () => {
    const { dir } = written();
    const manifest = manifestOf(dir);
    manifest.files.push({ path: '../../etc/passwd', sha256: '0'.repeat(64), bytes: 1 });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const result = verifyBundle(dir);
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/\.\.\/\.\.\/etc\/passwd/);
  });
});

describe('the installation key', () => {
  it('is created once, its private key readable by its owner only, and the same key afterwards', () => {
    const dataDir = join(tempDir(), 'data');
    const first = loadOrCreateInstallKey(dataDir);
    const files = installKeyFiles(dataDir);
    expect(statSync(files.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.privateKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const second = loadOrCreateInstallKey(dataDir);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(JSON.stringify(first)).not.toMatch(/PRIVATE/);
  });

  it('refuses a private key others can read, as ssh does', () => {
    const dataDir = join(tempDir(), 'data');
    loadOrCreateInstallKey(dataDir);
    chmodSync(installKeyFiles(dataDir).privateKey, 0o644);
    expect(() => loadOrCreateInstallKey(dataDir)).toThrow(/too open.*chmod 600/);
  });
});
