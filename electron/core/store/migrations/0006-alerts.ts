import type { Migration } from './types';

/**
 * Failures and alerts: kernel events read from each node (each recorded once, across restarts),
 * where each node's kernel log was read up to, the GPUs each node is known to have (the baseline a
 * missing GPU is measured against), alerts with every transition, silences, and the notifications
 * sent (for rate limits and bursts across a restart). Frozen once shipped.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'alerts',
  up(db) {
    db.exec(`
      CREATE TABLE kernel_events (
        id INTEGER PRIMARY KEY,
        node_id TEXT NOT NULL,
        boot_id TEXT NOT NULL,
        -- Wall clock of the line, or null (dmesg -T); uptime for plain dmesg. -1 in the key when null.
        at_ms INTEGER,
        uptime_ms INTEGER,
        -- sha256 of the event's first raw line: with node, boot and time, the event's identity.
        text_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        pci_id TEXT,
        xid INTEGER,
        severity TEXT NOT NULL,
        name TEXT NOT NULL,
        detail TEXT NOT NULL,
        raw TEXT NOT NULL,
        recorded_ms INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX kernel_events_identity ON kernel_events (node_id, boot_id, coalesce(at_ms, -1), coalesce(uptime_ms, -1), text_hash);
      CREATE INDEX kernel_events_by_node_time ON kernel_events (node_id, recorded_ms);

      CREATE TABLE kernel_log_cursors (
        node_id TEXT PRIMARY KEY,
        boot_id TEXT NOT NULL,
        source TEXT NOT NULL,
        cursor TEXT,
        updated_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE gpu_baseline (
        node_id TEXT NOT NULL,
        gpu_key TEXT NOT NULL,
        pci_bus_id TEXT,
        gpu_index INTEGER,
        name TEXT,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (node_id, gpu_key)
      ) STRICT;

      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        gpu TEXT,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        title TEXT NOT NULL,
        message TEXT NOT NULL,
        labels TEXT NOT NULL,
        value REAL,
        pending_since_ms INTEGER NOT NULL,
        fired_ms INTEGER,
        resolved_ms INTEGER,
        last_active_ms INTEGER NOT NULL,
        notified_ms INTEGER,
        ack_by TEXT,
        ack_ms INTEGER,
        ack_comment TEXT,
        snoozed_until_ms INTEGER,
        silenced_by INTEGER,
        suppressed_by TEXT,
        flapping INTEGER NOT NULL DEFAULT 0,
        -- Recent state changes (JSON array of ms) for flap detection, kept across a restart.
        flap_history TEXT NOT NULL DEFAULT '[]'
      ) STRICT;
      -- One open alert per failure: a fingerprint has at most one unresolved row.
      CREATE UNIQUE INDEX alerts_open_fingerprint ON alerts (fingerprint) WHERE state != 'resolved';
      CREATE INDEX alerts_by_state ON alerts (state, pending_since_ms);
      CREATE INDEX alerts_by_node ON alerts (node_id, pending_since_ms);

      CREATE TABLE alert_transitions (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        actor TEXT,
        note TEXT
      ) STRICT;
      CREATE INDEX alert_transitions_by_alert ON alert_transitions (alert_id, at_ms);

      CREATE TABLE silences (
        id INTEGER PRIMARY KEY,
        matchers TEXT NOT NULL,
        created_by TEXT NOT NULL,
        comment TEXT NOT NULL,
        starts_ms INTEGER NOT NULL,
        ends_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX silences_by_end ON silences (ends_ms);

      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        -- 'alert' (one alert), 'resolved', or 'summary' (a burst, or what a rate limit held back).
        kind TEXT NOT NULL,
        alert_id INTEGER,
        rule_id TEXT,
        severity TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        alert_count INTEGER NOT NULL DEFAULT 1
      ) STRICT;
      CREATE INDEX notifications_by_time ON notifications (at_ms);
    `);
  },
};
