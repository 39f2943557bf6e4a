import { describe, expect, it } from 'vitest';
import { interpretNvidiaSmi } from '../../../electron/core/collectors/gpu';
import type { ExecResult } from '../../../electron/core/hosts/host';
import { readFixture } from '../../helpers/fixtures';

function result(partial: Partial<ExecResult>): ExecResult {
  return { exitCode: 0, stdout: '', stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 5, ...partial };
}

const error = (file: string) => readFixture('nvidia-smi', 'errors', file);

describe('GPU status from real nvidia-smi outputs', () => {
  it('no nvidia-smi at all is "no GPU", not an error', () => {
    const { status, gpus } = interpretNvidiaSmi(result({ notFound: true, exitCode: null }), 10_000);
    expect(status.state).toBe('no-gpu');
    expect(status.message).toMatch(/No NVIDIA GPU/);
    expect(gpus).toEqual([]);
  });

  // NVML's return codes (the captures did not record them): 9 driver not loaded, 6 not found, 18 mismatch.
  it.each([
    ['driver-not-loaded.txt', 9, 'driver-not-loaded', /driver is not loaded/],
    ['no-devices-found.txt', 6, 'no-devices', /found no GPUs/],
    ['nvml-driver-library-version-mismatch.txt', 18, 'version-mismatch', /version mismatch/],
    ['nvml-unknown-error-in-container.txt', 255, 'nvml-error', /NVML failed to initialise: Unknown Error/],
  ])('%s (exit %i) gives %s', (file, exitCode, state, message) => {
    for (const stream of ['stdout', 'stderr'] as const) {
      const { status, gpus } = interpretNvidiaSmi(result({ exitCode, [stream]: error(file) }), 10_000);
      expect(status.state).toBe(state);
      expect(status.message).toMatch(message);
      expect(gpus).toEqual([]);
    }
  });

  it('names the NVML library version when the mismatch text carries it', () => {
    const { status } = interpretNvidiaSmi(result({ exitCode: 18, stdout: error('nvml-driver-library-version-mismatch-with-nvml-version.txt') }), 10_000);
    expect(status.state).toBe('version-mismatch');
    expect(status.message).toMatch(/NVML library 570\.124/);
  });

  it('a known failure text wins even when nvidia-smi exits 0', () => {
    const { status } = interpretNvidiaSmi(result({ exitCode: 0, stdout: error('driver-not-loaded.txt') }), 10_000);
    expect(status.state).toBe('driver-not-loaded');
  });

  it('an unknown failure keeps its first line and exit code', () => {
    const { status } = interpretNvidiaSmi(result({ exitCode: 3, stderr: '\n  Something odd happened\nmore' }), 10_000);
    expect(status).toMatchObject({ state: 'failed', message: 'nvidia-smi failed (exit 3): Something odd happened' });
  });

  it('a hung nvidia-smi is a timeout that suggests a fallen GPU', () => {
    const { status } = interpretNvidiaSmi(result({ exitCode: null, timedOut: true }), 7000);
    expect(status.state).toBe('timeout');
    expect(status.message).toMatch(/within 7 s.*fallen off the bus/);
  });

  it('output cut at the size cap is invalid, never half-parsed', () => {
    const { status } = interpretNvidiaSmi(result({ stdout: '<nvidia_smi_log>', truncated: true }), 10_000);
    expect(status.state).toBe('invalid-output');
  });

  it('a flood killed at the size cap is reported as cut off, not as a failure to read through', () => {
    const flood = 'y\n'.repeat(4 * 1024 * 1024);
    const { status } = interpretNvidiaSmi(result({ stdout: flood, truncated: true, exitCode: null }), 10_000);
    expect(status.state).toBe('invalid-output');
    expect(status.message).toMatch(/exceeded the size cap/);
  });

  it('names a failure by the start of its output, however long the output', () => {
    const { status } = interpretNvidiaSmi(
      result({ exitCode: 3, stdout: `${'\n'.repeat(10)}Unable to determine the device handle\n${'x'.repeat(200_000)}` }),
      10_000,
    );
    expect(status.state).toBe('failed');
    expect(status.message).toMatch(/exit 3\): Unable to determine the device handle$/);
  });

  it('garbage with exit 0 is invalid output with the parser reason', () => {
    const { status } = interpretNvidiaSmi(result({ stdout: 'Segmentation fault' }), 10_000);
    expect(status.state).toBe('invalid-output');
    expect(status.message).toMatch(/could not be read: not valid XML/);
  });

  it('a good capture gives ok with driver and CUDA versions', () => {
    const { status, gpus } = interpretNvidiaSmi(result({ stdout: readFixture('nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml') }), 10_000);
    expect(status).toEqual({ state: 'ok', message: '2 GPUs', driverVersion: '590.44.01', cudaVersion: '13.1' });
    expect(gpus.map((g) => g.index)).toEqual([0, 1]);
  });

  it('a log without <gpu> elements is "no devices"', () => {
    const { status } = interpretNvidiaSmi(
      result({ stdout: '<nvidia_smi_log><driver_version>550.1</driver_version><attached_gpus>0</attached_gpus></nvidia_smi_log>' }),
      10_000,
    );
    expect(status).toMatchObject({ state: 'no-devices', driverVersion: '550.1' });
  });
});
