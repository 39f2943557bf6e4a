import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, defaultKnownHostsFile } from '../../../electron/core/paths';

describe("the app's own known_hosts", () => {
  const env = { XDG_DATA_HOME: '/data/home' };

  it('lies inside the data directory when the database is in memory or not given', () => {
    expect(defaultKnownHostsFile(':memory:', env, 'linux')).toBe(join('/data/home', 'clusterdeck', 'known_hosts'));
    expect(defaultKnownHostsFile(undefined, env, 'linux')).toBe(join(defaultDataDir(env, 'linux'), 'known_hosts'));
  });

  it('lies next to a database file', () => {
    expect(defaultKnownHostsFile('/srv/clusterdeck/clusterdeck.db', env, 'linux')).toBe('/srv/clusterdeck/known_hosts');
  });
});
