import { describe, expect, it } from 'vitest';
import { msToApiTime, parseSampleValue, toQueryResult, toTargets } from '../../../electron/core/sources/prometheus-api';
import { classifyNetworkError, redactUrl } from '../../../electron/core/sources/prometheus-errors';

describe('Prometheus API shapes', () => {
  it("reads Prometheus's float text, NaN and infinities included", () => {
    expect(parseSampleValue('0.25')).toBe(0.25);
    expect(parseSampleValue('1e+06')).toBe(1_000_000);
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('')).toBeNaN();
  });

  it('keeps vector samples with a value and skips native histograms', () => {
    const data = {
      resultType: 'vector',
      result: [
        { metric: { job: 'a' }, value: [1700000000.5, '3'] },
        { metric: { job: 'h' }, histogram: [1, {}] },
      ],
    };
    expect(toQueryResult(data)).toEqual({ resultType: 'vector', samples: [{ labels: { job: 'a' }, timeMs: 1700000000500, value: 3 }] });
  });

  it('says what is wrong with data of another shape', () => {
    expect(toQueryResult({ resultType: 'vector', result: [{ metric: {}, value: ['x', '1'] }] })).toHaveProperty('invalid');
    expect(toQueryResult({ resultType: 'table' })).toHaveProperty('invalid');
    expect(toQueryResult({ resultType: 'vector', result: [{ metric: { job: 1 }, value: [1, '1'] }] })).toEqual({
      invalid: 'result[0]: label "job" is not a string',
    });
    expect(toQueryResult({ resultType: 'vector', result: [{ metric: {}, value: null }] })).toHaveProperty('invalid');
    expect(toQueryResult({ resultType: 'vector', result: {} })).toHaveProperty('invalid');
    expect(toQueryResult({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2]] }] })).toEqual({
      invalid: 'result[0].values[1] is not [time, "value"]',
    });
    expect(toQueryResult({ resultType: 'scalar', result: [1, 2] })).toHaveProperty('invalid');
    expect(toQueryResult(null)).toHaveProperty('invalid');
  });

  it('reads matrices, scalars and strings', () => {
    expect(
      toQueryResult({
        resultType: 'matrix',
        result: [
          {
            metric: { a: 'b' },
            values: [
              [1, '1'],
              [2.5, 'NaN'],
            ],
          },
          { metric: {} },
        ],
      }),
    ).toEqual({
      resultType: 'matrix',
      series: [
        { labels: { a: 'b' }, timesMs: [1000, 2500], values: [1, NaN] },
        { labels: {}, timesMs: [], values: [] },
      ],
    });
    expect(toQueryResult({ resultType: 'scalar', result: [2, '+Inf'] })).toEqual({ resultType: 'scalar', timeMs: 2000, value: Infinity });
    expect(toQueryResult({ resultType: 'string', result: [2, 'x'] })).toEqual({ resultType: 'string', timeMs: 2000, value: 'x' });
  });

  it("treats Go's zero time as never scraped", () => {
    const [t] = toTargets({
      activeTargets: [{ labels: {}, scrapeUrl: 'http://x/metrics', health: 'unknown', lastError: '', lastScrape: '0001-01-01T00:00:00Z' }],
    });
    expect(t).toMatchObject({ health: 'unknown', lastError: null, lastScrapeMs: null, scrapePool: null });
  });

  it('writes milliseconds as unix seconds', () => {
    expect(msToApiTime(1700000000123)).toBe('1700000000.123');
    expect(msToApiTime(15_000)).toBe('15');
  });

  it('redacts userinfo, query and fragment from URLs', () => {
    expect(redactUrl('https://ops:secret@prom.example:9090/prefix/api/v1/query?token=t#f')).toBe('https://prom.example:9090/prefix/api/v1/query');
  });

  it('classifies certificate errors by their code', () => {
    const expired = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(classifyNetworkError(expired, 'https://p/')).toMatchObject({ kind: 'tls', reason: 'CERT_HAS_EXPIRED', message: expect.stringMatching(/expired/) });
    const host = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifyNetworkError(host, 'https://p/')).toMatchObject({ kind: 'tls', message: expect.stringMatching(/not for this host name/) });
    const reset = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });
    expect(classifyNetworkError(reset, 'https://p/')).toMatchObject({ kind: 'tls' });
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'http://p/')).toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/host not found/),
    });
  });
});
