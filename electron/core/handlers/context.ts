/**
 * What the contract's handlers reach in the engine, built once by the composition root
 * (engine.ts). Each area's handlers (nodes, metrics, host keys, ssh config, storage, app) take
 * this and nothing else.
 */
import type { Config } from '../../../shared/config';
import type { AppInfo, CallRequest, CallResponse, EngineStatus, MetricQuery, MetricQueryResult } from '../../../shared/contract';
import type { NodeState, SshNode } from '../../../shared/model/inventory';
import type { AlertEngine } from '../alerts/types';
import type { AuditLog } from '../audit-log';
import type { EngineAuditOptions } from '../audit-runner';
import type { AuditStore } from '../compliance/audit-store';
import type { AuditRun } from '../compliance/runner';
import type { Policy } from '../compliance/types';
import type { WorkflowStore } from '../compliance/workflow-store';
import type { EngineEvents } from '../events';
import type { Fleet } from '../fleet';
import type { SecretStore } from '../hosts/ssh/credentials';
import type { SshPool } from '../hosts/ssh/ssh-pool';
import type { InventoryStore } from '../inventory/inventory-store';
import type { Logger } from '../log';
import type { PdfPrinter } from '../reports/types';
import type { Clock } from '../scheduler';
import type { SourceSet } from '../source-set';
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
  /**
   * Replaces how an inventory node is reached (same id): the spec is stored, its collector
   * closed and a new one started. History, alerts and failure memory stay (same node id).
   */
  editInventory(node: SshNode): void;
  /**
   * A node read from a Prometheus-compatible source answers metrics:query from that source
   * (query_range, cached); null for every other node (the local store answers).
   */
  sourceHistory(query: MetricQuery): Promise<MetricQueryResult> | null;
  /** The Prometheus-compatible sources running: their health, test-connection, a restart when a kept secret changes. */
  readonly sources: SourceSet;
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
  /** Events to the windows and the HTTP stream (audit:progress). */
  readonly events: EngineEvents;
  /** The hash-chained audit log: every action, with the caller's profile. */
  readonly auditLog: AuditLog;
  /** Stored audit runs and policy approvals. */
  readonly auditStore: AuditStore;
  /** Attestations, attachments, waivers, runs' policy snapshots. */
  readonly workflow: WorkflowStore;
  /** The user's policy files (policies/ beside config.yaml). */
  readonly userPoliciesDir: string;
  /** Prints HTML to PDF; null where no Chromium is set up (PDF reports are then unavailable). */
  readonly pdfPrinter: PdfPrinter | null;
  /** Audits the engine's nodes with a policy (engine.audit). */
  audit(policy: Policy, options: EngineAuditOptions): Promise<AuditRun>;
  /** A node's inventory labels: a waiver scoped to a group covers the nodes labelled so. */
  nodeGroups(nodeId: string): readonly string[];
  /** Runs fn in one database transaction (an action and its audit-log row commit together). */
  transaction<T>(fn: () => T): T;
}
