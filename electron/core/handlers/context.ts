/**
 * What the contract's handlers reach in the engine, built once by the composition root
 * (engine.ts). Each area's handlers (nodes, metrics, host keys, ssh config, storage, app) take
 * this and nothing else.
 */
import type { Config } from '../../../shared/config';
import type { AppInfo, CallRequest, CallResponse, EngineStatus } from '../../../shared/contract';
import type { NodeState, SshNode } from '../../../shared/model/inventory';
import type { AlertEngine } from '../alerts/types';
import type { Fleet } from '../fleet';
import type { SecretStore } from '../hosts/ssh/credentials';
import type { SshPool } from '../hosts/ssh/ssh-pool';
import type { InventoryStore } from '../inventory/inventory-store';
import type { Logger } from '../log';
import type { Clock } from '../scheduler';
import type { TelemetryStore } from '../store/telemetry-store';

export interface EngineContext {
  readonly app: Omit<AppInfo, 'version'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: TelemetryStore;
  readonly inventory: InventoryStore;
  readonly fleet: Fleet;
  readonly pool: SshPool;
  readonly secrets: SecretStore;
  /** The app's own known_hosts, written when the user trusts a key. */
  readonly knownHostsFile: string;
  /** Every known_hosts file read, the app's first. */
  readonly hostKeyFiles: readonly string[];
  status(): EngineStatus;
  /** Sends `nodes:changed` when the states differ from the last sent; returns them. */
  publishStates(): NodeState[];
  /** Adds an SSH node to the inventory and starts collecting it. */
  addToInventory(node: SshNode): void;
  /** The config in force (the file as last read or written, defaults filled in). */
  config(): Config;
  /** The alert engine: alerts, silences, rules. */
  readonly alerts: AlertEngine;
  /** The folder of the user's rule files (config alerts.rulesDir, or rules/ beside config.yaml). */
  readonly userRulesDir: string;
  /** A node's failures timeline (kernel events, node events, alert spans). */
  timeline(query: CallRequest<'failures:timeline'>): CallResponse<'failures:timeline'> | Promise<CallResponse<'failures:timeline'>>;
  /** Forgets a node that left the inventory: its failure memory and GPU baseline. */
  forgetNode(nodeId: string): void;
  /** Makes `config` the one in force: the interval, storage, alert and notification settings change without a restart. */
  applyConfig(config: Config): void;
}
