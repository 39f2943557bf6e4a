import type { NodeSnapshot } from '../../../shared/model/node';
import { formatMib, MISSING } from '../format';
import { useServerNow } from '../hooks/useServerNow';
import { formatRunning, processGpuLabel, processTable } from './processes';

interface GpuProcessesProps {
  snapshot: NodeSnapshot;
  stale: boolean;
}

const TYPE_NOTE: Record<string, string> = { G: 'graphics', 'C+G': 'compute + graphics' };

/** Who is on each GPU of the node: PID, user, command, GPU memory, running time. */
export function GpuProcesses({ snapshot, stale }: GpuProcessesProps) {
  const now = useServerNow(1000);
  const table = processTable(snapshot.gpus);
  if (table.state === 'hidden') return null;
  return (
    <section className="section" aria-labelledby="gpu-processes-title" data-testid="gpu-processes">
      <h2 className="section__title" id="gpu-processes-title">
        GPU processes {table.state !== 'not-reported' && <span className="section__count">{table.total}</span>}
      </h2>
      {table.state === 'not-reported' && (
        <p className="settings-note" data-testid="gpu-processes-not-reported">
          Processes not reported for this node's GPUs.
        </p>
      )}
      {table.state === 'empty' && (
        <p className="settings-note" data-testid="gpu-processes-empty">
          No processes on the GPUs.
        </p>
      )}
      {table.state === 'rows' && (
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
              {table.rows.map(({ gpu, process }) => {
                const command = process.command ?? process.name;
                const note = process.type !== null ? TYPE_NOTE[process.type] : undefined;
                return (
                  <tr key={`${gpu.index}:${process.pid}:${process.gpuInstanceId ?? ''}`} data-testid="gpu-process" data-pid={process.pid}>
                    <td>{processGpuLabel(gpu, process)}</td>
                    <td className="num">{process.pid}</td>
                    <td>{process.user ?? MISSING}</td>
                    <td title={command ?? undefined} style={{ maxWidth: '36em', overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {command ?? MISSING}
                      {note && <span className="tier-table__resolution">{note}</span>}
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
      {table.cut.map((line) => (
        <p key={line} className="settings-note">
          {line}
        </p>
      ))}
      {table.notReporting.length > 0 && <p className="settings-note">Processes not reported for {table.notReporting.map((i) => `GPU ${i}`).join(', ')}.</p>}
    </section>
  );
}
