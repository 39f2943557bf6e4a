// A shared policy must not be a way to copy a node's keys into evidence and reports.
import { describe, expect, it } from 'vitest';
import { secretPathReason } from '../../../electron/core/compliance/secret-paths';

describe('secret paths', () => {
  it.each([
    '/etc/ssh/ssh_host_ed25519_key',
    '/etc/ssh/ssh_host_rsa_key',
    '/etc/ssl/private/server.key',
    '/etc/ssl/private/anything',
    '/etc/pki/tls/private/host.pem',
    '/etc/nginx/tls.key',
    '/etc/krb5.keytab',
    '/etc/wireguard/wg0.conf',
    '/etc/security/opasswd',
    '/proc/1/environ',
    '/proc/self/environ',
    '/proc/1/task/1/environ',
    '/etc/ssh/../ssh/ssh_host_ed25519_key',
  ])('refuses %s', (path) => {
    expect(secretPathReason(path)).toMatch(/secret file/);
  });

  it.each([
    '/etc/ssh/ssh_host_ed25519_key.pub',
    '/etc/ssh/sshd_config',
    '/etc/sudoers',
    '/etc/shadow',
    '/etc/passwd',
    '/proc/1/cmdline',
    '/etc/keyboard',
    '/etc/default/keyboard',
  ])('allows %s', (path) => {
    expect(secretPathReason(path)).toBeNull();
  });
});
