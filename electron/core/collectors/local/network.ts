import si from 'systeminformation';
import type { NetworkStats } from '../../../../shared/model/node';

const rate = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) || n < 0 ? null : Math.round(n));

/** Pure: systeminformation's networkStats('*') to the model; loopback is left out. */
export function toNetworkStats(
  stats: Array<Pick<si.Systeminformation.NetworkStatsData, 'iface' | 'rx_bytes' | 'tx_bytes' | 'rx_sec' | 'tx_sec'>>,
): NetworkStats[] {
  return stats
    .filter((s) => s.iface && s.iface !== 'lo')
    .map((s) => ({
      iface: s.iface,
      rxBytesTotal: s.rx_bytes,
      txBytesTotal: s.tx_bytes,
      rxBytesPerSec: rate(s.rx_sec),
      txBytesPerSec: rate(s.tx_sec),
    }));
}

export async function collectNetwork(): Promise<NetworkStats[]> {
  return toNetworkStats(await si.networkStats('*'));
}
