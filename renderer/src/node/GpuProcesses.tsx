import type { NodeSnapshot } from '../../../shared/model/node';

interface GpuProcessesProps {
  snapshot: NodeSnapshot;
  stale: boolean;
}

/** Who is on each GPU of the node: PID, user, command, GPU memory, running time. (Being built.) */
export function GpuProcesses(_props: GpuProcessesProps) {
  return null;
}
