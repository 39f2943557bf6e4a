// A source's secret read from a file (source-client.ts): one line of text, as a token or password
// is; anything else (a PEM key, a config file someone pointed at) is refused before any request,
// and the refusal never quotes the file's content.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrometheusSourceConfig } from '../../../shared/config';
import { sourceAuth } from '../../../electron/core/sources/source-client';
import { tempDir } from '../../helpers/tmp';

const base: PrometheusSourceConfig = { id: 'p', kind: 'prometheus', url: 'http://127.0.0.1:9', nodeLabel: 'instance', timeoutMs: 1000 };

describe('secrets read from files', () => {
  it('one line (its line end dropped) is the token or password', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 't'), 'tok-1 \n');
    writeFileSync(join(dir, 'p'), 'pa ss\r\n');
    expect(sourceAuth({ ...base, bearerTokenFile: 't' }, dir)).toEqual({ kind: 'bearer', token: 'tok-1' });
    expect(sourceAuth({ ...base, basic: { username: 'u', passwordFile: 'p' } }, dir)).toEqual({ kind: 'basic', username: 'u', password: 'pa ss' });
  });

  it('several lines, control characters or nothing are refused without quoting the content', () => {
    const dir = tempDir();
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIsecretsecret\n-----END PRIVATE KEY-----\n';
    const cases = { 'key.pem': pem, bell: 'abc\u0007def', empty: '\n', yaml: 'collection:\n  intervalMs: 1000\n' };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(join(dir, name), text);
      for (const config of [
        { ...base, bearerTokenFile: name },
        { ...base, basic: { username: 'u', passwordFile: name } },
      ]) {
        let message = '';
        try {
          sourceAuth(config, dir);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/is not one line of text/);
        expect(message).not.toMatch(/secretsecret|intervalMs|BEGIN/);
      }
    }
  });
});
