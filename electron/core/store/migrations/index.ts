import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-tsdb';
import { migration0003 } from './0003-inventory';
import { migration0004 } from './0004-inventory-sources';
import { migration0005 } from './0005-node-events';
import { migration0006 } from './0006-alerts';
import { migration0007 } from './0007-audits';
import { migration0008 } from './0008-audit-workflow';
import type { Migration } from './types';

/** Every migration in order. A new one is a new file plus one line here. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
