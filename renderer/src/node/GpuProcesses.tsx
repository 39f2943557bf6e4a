import type { Gpu, GpuProcess } from '../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../shared/model/node';
import { formatMib, MISSING } from '../format';
import { useServerNow } from '../hooks/useServerNow';

interface GpuProcessesProps {
  snapshot: NodeSnapshot;
  stale: boolean;
}

interface Row {
  gpu: Gpu;
  process: GpuProcess;
}

/** "45 s", "12 min", "3 h 05 min", "2 d 4 h": how long a process has run. */
export function formatRunning(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Every listed process of every GPU, the largest users of GPU memory first. */
function rowsOf(gpus: Gpu[]): Row[] {
  return gpus
    .flatMap((gpu) => (gpu.processes ?? []).map((process) => ({ gpu, process })))
    .sort((a, b) => (b.process.usedMemoryMib ?? -1) - (a.process.usedMemoryMib ?? -1) || a.gpu.index - b.gpu.index || a.process.pid - b.process.pid);
}

const gpuLabel = (gpu: Gpu, process: GpuProcess) =>
  `GPU ${gpu.index}${process.gpuInstanceId !== null ? ` · MIG ${process.gpuInstanceId}${process.computeInstanceId !== null ? `/${process.computeInstanceId}` : ''}` : ''}`;

/** Who is on each GPU of the node: PID, user, command, GPU memory, running time. */
export function GpuProcesses({ snapshot, stale }: GpuProcessesProps) {
  const now = useServerNow(1000);
  const gpus = snapshot.gpus;
  if (gpus.length === 0) return null;
  const reporting = gpus.filter((g) => g.processes !== undefined);
  const notReporting = gpus.filter((g) => g.processes === undefined);
  const rows = rowsOf(reporting);
  const cut = reporting.filter((g) => g.processCount !== null && g.processCount > (g.processes?.length ?? 0));
  const total = reporting.reduce((n, g) => n + Math.max(g.processCount ?? 0, g.processes?.length ?? 0), 0);
  return (
    <section className="section" aria-labelledby="gpu-processes-title" data-testid="gpu-processes">
      <h2 className="section__title" id="gpu-processes-title">
        GPU processes {reporting.length > 0 && <span className="section__count">{total}</span>}
      </h2>
      {reporting.length === 0 ? (
        <p className="settings-note" data-testid="gpu-processes-not-reported">
          Processes not reported for this node's GPUs.
        </p>
      ) : rows.length === 0 ? (
        <p className="settings-note" data-testid="gpu-processes-empty">
          No processes on the GPUs.
        </p>
      ) : (
        <div className="tier-table__wrap">
          <table
            className="tier-table"
            aria-labelledby="gpu-processes-title"
            style={stale ? { opacity: 0.6 } : undefined}
            title={stale ? 'Last known processes, not current ones' : undefined}
          >
            <thead>
              <tr>
                <th scope="col">GPU</th>
                <th scope="col" className="num">
                  PID
                </th>
                <th scope="col">User</th>
                <th scope="col">Command</th>
                <th scope="col" className="num" aria-sort="descending">
                  GPU memory
                </th>
                <th scope="col" className="num">
                  Running
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ gpu, process }) => {
                const command = process.command ?? process.name;
                return (
                  <tr key={`${gpu.index}:${process.pid}:${process.gpuInstanceId ?? ''}`} data-testid="gpu-process" data-pid={process.pid}>
                    <td>{gpuLabel(gpu, process)}</td>
                    <td className="num">{process.pid}</td>
                    <td>{process.user ?? MISSING}</td>
                    <td title={command ?? undefined} style={{ maxWidth: '36em', overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {command ?? MISSING}
                      {process.type !== null && process.type !== 'C' && (
                        <span className="tier-table__resolution">{process.type === 'G' ? 'graphics' : process.type}</span>
                      )}
                    </td>
                    <td className="num">{process.usedMemoryMib !== null ? formatMib(process.usedMemoryMib) : MISSING}</td>
                    <td className="num" title={process.startedAtMs !== null ? new Date(process.startedAtMs).toLocaleString() : undefined}>
                      {process.startedAtMs !== null ? formatRunning(now - process.startedAtMs) : MISSING}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cut.map((g) => (
        <p key={g.index} className="settings-note">
          GPU {g.index}: {g.processes?.length ?? 0} of {g.processCount} processes listed.
        </p>
      ))}
      {reporting.length > 0 && notReporting.length > 0 && (
        <p className="settings-note">Processes not reported for {notReporting.map((g) => `GPU ${g.index}`).join(', ')}.</p>
      )}
    </section>
  );
}
