import si from 'systeminformation';
import type { OsInfo } from '../../../../shared/model/node';

/** Pure: systeminformation's osInfo() to the model. */
export function toOsInfo(os: Pick<si.Systeminformation.OsData, 'platform' | 'distro' | 'release' | 'kernel' | 'arch'>): OsInfo {
  return {
    platform: os.platform,
    distro: os.distro || null,
    release: os.release || null,
    kernel: os.kernel || null,
    arch: os.arch || null,
  };
}

/** OS and kernel change only with a reboot: read once per process. */
let osInfo: Promise<OsInfo> | null = null;

export function collectOsInfo(): Promise<OsInfo> {
  osInfo ??= si
    .osInfo()
    .then(toOsInfo)
    .catch((error: unknown) => {
      osInfo = null;
      throw error;
    });
  return osInfo;
}
