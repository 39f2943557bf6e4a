import { memo } from 'react';
import { MetricChart } from '../charts/MetricChart';
import type { LiveChartSpec } from '../charts/liveChart';
import type { ChartWindow } from '../ranges';

interface HostChart {
  testId: string;
  title: string;
  spec: LiveChartSpec;
}

/** Node-wide charts. Specs are module constants so the memoised charts never see new props per tick. */
const HOST_CHARTS: HostChart[] = [
  {
    testId: 'chart-cpu.util_pct',
    title: 'CPU utilisation',
    spec: { unit: 'pct', colorSlot: 0, sources: [{ metric: 'cpu.util_pct', label: () => 'CPU' }] },
  },
  {
    testId: 'chart-memory.used_pct',
    title: 'Memory used',
    spec: { unit: 'pct', colorSlot: 4, sources: [{ metric: 'memory.used_pct', label: () => 'Memory' }] },
  },
  {
    testId: 'chart-fs.used_pct',
    title: 'Disk used per mount',
    spec: { unit: 'pct', sources: [{ metric: 'fs.used_pct', label: (mount) => mount }] },
  },
  {
    // rx and tx share a chart: one colour per interface, tx dashed.
    testId: 'chart-network',
    title: 'Network',
    spec: {
      unit: 'bytesPerSec',
      sources: [
        { metric: 'net.rx_bytes_per_sec', label: (iface) => `${iface} rx` },
        { metric: 'net.tx_bytes_per_sec', label: (iface) => `${iface} tx`, dashed: true },
      ],
    },
  },
];

interface HostChartsProps {
  nodeId: string;
  timeWindow: ChartWindow;
  intervalMs: number;
  onShown: () => void;
  onWindowChange?: (window: ChartWindow) => void;
}

export const HostCharts = memo(function HostCharts(props: HostChartsProps) {
  return (
    <section className="section" aria-labelledby="host-section-title">
      <h2 className="section__title" id="host-section-title">
        Host
      </h2>
      <div className="chart-grid">
        {HOST_CHARTS.map((chart) => (
          <MetricChart key={chart.testId} testId={chart.testId} title={chart.title} spec={chart.spec} {...props} />
        ))}
      </div>
    </section>
  );
});
