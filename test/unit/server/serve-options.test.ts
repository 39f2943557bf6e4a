import { describe, expect, it } from 'vitest';
import { parseAllowedHost } from '../../../electron/server/commands/serve';
import { isLoopbackAddress } from '../../../electron/server/http-server';
import { UsageError } from '../../../electron/server/usage-error';

describe('--allowed-host', () => {
  it.each([
    ['deck.example.org', 'deck.example.org'],
    ['Deck.Example.ORG', 'deck.example.org'],
    ['gpu-admin', 'gpu-admin'],
    ['192.0.2.10', '192.0.2.10'],
    ['fd00::2', '[fd00::2]'],
    ['[FD00::2]', '[fd00::2]'],
  ])('takes %s as %s', (text, name) => {
    expect(parseAllowedHost(text)).toBe(name);
  });

  it.each(['http://deck.example.org', 'deck.example.org:443', 'deck.example.org/', '-deck', 'a b', '', 'deck..example', `${'a'.repeat(64)}.example`])(
    'refuses %j',
    (text) => {
      expect(() => parseAllowedHost(text)).toThrow(UsageError);
    },
  );
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackAddress(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.0.2.2', '127.evil.example', 'localhost.evil.example', '::ffff:192.0.2.2'])('%s is not', (host) => {
    expect(isLoopbackAddress(host)).toBe(false);
  });
});
