import { describe, expect, it } from 'vitest';
import type { PrometheusSourceConfig } from '../../shared/config';
import { ConfigError, parseConfig } from '../../electron/core/config';
import { applySourceToYaml } from '../../electron/core/sources-config-writer';

const TEXT = [
  '# my settings',
  'collection:',
  '  intervalMs: 5000 # five seconds',
  'sources:',
  '  # the big one',
  '  - id: main',
  '    kind: prometheus',
  '    url: https://prom.example.org/',
  '    caFile: ca.pem # our internal CA',
  '  - id: other',
  '    kind: prometheus',
  '    url: http://10.0.0.2:9090/',
  '',
].join('\n');

const source = (extra: Partial<PrometheusSourceConfig>): PrometheusSourceConfig => ({
  id: 'main',
  kind: 'prometheus',
  url: 'https://prom.example.org/',
  nodeLabel: 'instance',
  timeoutMs: 10_000,
  ...extra,
});

describe('writing a source into config.yaml', () => {
  it('edits an entry in place: its comments, the other source and the rest of the file stay; defaults are left out', () => {
    const next = applySourceToYaml(TEXT, { save: source({ secret: 'keychain', tenant: 'team-a', caFile: 'ca.pem' }) });
    expect(next).toBe(
      TEXT.replace('    caFile: ca.pem # our internal CA\n', '    caFile: ca.pem # our internal CA\n    secret: keychain\n    tenant: team-a\n'),
    );
    expect(parseConfig(next, 'c').sources.map((s) => s.id)).toEqual(['main', 'other']);
  });

  it('drops the keys the source no longer has; adds a new source at the end', () => {
    const edited = applySourceToYaml(TEXT, { save: source({ timeoutMs: 2000 }) });
    expect(edited).not.toContain('caFile');
    expect(edited).toContain('  # the big one\n  - id: main');
    expect(edited).toContain('timeoutMs: 2000');
    const added = applySourceToYaml('# only a comment\n', { save: source({ id: 'new' }) });
    expect(added).toBe('# only a comment\n\nsources:\n  - id: new\n    kind: prometheus\n    url: https://prom.example.org/\n');
  });

  it('removes one source and keeps the other; removing the last drops the key', () => {
    const once = applySourceToYaml(TEXT, { remove: 'main' });
    expect(parseConfig(once, 'c').sources.map((s) => s.id)).toEqual(['other']);
    expect(once).toContain('intervalMs: 5000 # five seconds');
    const none = applySourceToYaml(once, { remove: 'other' });
    expect(none).not.toContain('sources');
    expect(() => applySourceToYaml(none, { remove: 'other' })).toThrow(/has no source called other/);
  });

  it('refuses a file that is not valid now, or a change that would make it invalid', () => {
    expect(() => applySourceToYaml(`${TEXT}bogus: 1\n`, { save: source({}) })).toThrow(ConfigError);
    expect(() => applySourceToYaml(TEXT, { save: source({ bearerTokenFile: 't', basic: { username: 'u', passwordFile: 'p' } }) })).toThrow(/not both/);
  });
});
