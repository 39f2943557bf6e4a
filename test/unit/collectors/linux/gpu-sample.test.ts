import { describe, expect, it } from 'vitest';
import { interpretGpuSection } from '../../../../electron/core/collectors/linux/gpu-sample';
import type { Section } from '../../../../electron/core/hosts/sections';
import { readFixture } from '../../../helpers/fixtures';
import { currentLine } from './framing';

const section = (text: string, status: Section['status']): Section => ({ name: 'nvidia-smi', lines: text.split('\n').filter((l) => l !== ''), status });
const failed = (exitCode: number) => ({ kind: 'failed', exitCode }) as const;

describe('interpretGpuSection', () => {
  it('reads GPUs from the CSV and says how many', () => {
    const line = currentLine('h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv');
    const got = interpretGpuSection(section(`${line}\n${line.replace(/^0, /, '1, ')}\n`, { kind: 'ok' }), 'current', true);
    expect(got.status).toEqual({ state: 'ok', message: '2 GPUs', driverVersion: '590.48.01', cudaVersion: null });
    expect(got.gpus.map((g) => [g.index, g.gpuUtilPct, g.powerDrawW])).toEqual([
      [0, 100, 631.95],
      [1, 100, 631.95],
    ]);
    expect(got.warnings).toEqual([]);
  });

  it('reads the failures of real nvidia-smi runs as the XML path does', () => {
    const cases: Array<[string, number, string]> = [
      ['driver-not-loaded.txt', 9, 'driver-not-loaded'],
      ['nvml-driver-library-version-mismatch-with-nvml-version.txt', 18, 'version-mismatch'],
      ['no-devices-found.txt', 6, 'no-devices'],
      ['nvml-unknown-error-in-container.txt', 255, 'nvml-error'],
    ];
    for (const [file, code, state] of cases) {
      const got = interpretGpuSection(section(readFixture('nvidia-smi/errors', file), failed(code)), 'current', true);
      expect(got.status.state, file).toBe(state);
      expect(got.refusedField).toBe(false);
    }
    // Some builds exit 0 after "No devices were found".
    expect(interpretGpuSection(section('No devices were found\n', { kind: 'ok' }), 'current', true).status.state).toBe('no-devices');
  });

  it('says no-gpu when nvidia-smi is not installed or not asked for', () => {
    expect(interpretGpuSection(section('', { kind: 'missing' }), 'current', true).status.state).toBe('no-gpu');
    expect(interpretGpuSection(undefined, 'none', true).status.state).toBe('no-gpu');
  });

  it('says timeout when timeout(1) killed it or the output stopped inside or before it', () => {
    expect(interpretGpuSection(section('', failed(124)), 'current', true).status.state).toBe('timeout');
    expect(interpretGpuSection(section('0, GPU-', { kind: 'incomplete' }), 'current', false).status.state).toBe('timeout');
    expect(interpretGpuSection(undefined, 'current', false).status.state).toBe('timeout');
  });

  it('flags a field the driver refused, so the builder can step down', () => {
    const got = interpretGpuSection(section('Field "power.draw.average" is not a valid field to query.\n', failed(2)), 'current', true);
    expect(got).toMatchObject({ refusedField: true, status: { state: 'invalid-output' } });
    expect(got.status.message).toMatch(/power\.draw\.average/);
  });

  it('says invalid-output for text that is neither GPUs nor a known failure', () => {
    const got = interpretGpuSection(section('\u0000\u0001 garbage\n', { kind: 'ok' }), 'current', true);
    expect(got.status.state).toBe('invalid-output');
    expect(interpretGpuSection(section('weird\n', failed(3)), 'current', true).status).toMatchObject({
      state: 'failed',
      message: 'nvidia-smi failed (exit 3): weird',
    });
  });
});
