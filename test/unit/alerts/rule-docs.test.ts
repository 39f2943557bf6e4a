import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_METRIC_NAMES } from '../../../electron/core/alerts/rule-metrics';
import { DETECTOR_IDS } from '../../../electron/core/alerts/types';
import { TEMPLATE_VARS } from '../../../electron/core/alerts/template';

const docs = readFileSync(join(__dirname, '../../../docs/alert-rules.md'), 'utf8');

describe('docs/alert-rules.md', () => {
  it('documents every detector, every metric a rule can watch and every placeholder', () => {
    for (const detector of DETECTOR_IDS) expect(docs, detector).toContain(`| \`${detector}\` |`);
    for (const metric of RULE_METRIC_NAMES) expect(docs, metric).toContain(`| \`${metric}\` |`);
    for (const name of TEMPLATE_VARS) expect(docs, name).toContain(`| \`{{${name}}}\` |`);
  });
});
