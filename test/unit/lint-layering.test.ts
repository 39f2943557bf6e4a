import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering is enforced by lint; these cases prove each rule fires (and stays quiet on
// allowed code), so a config change cannot silently switch it off.
const eslint = new ESLint({ cwd: join(__dirname, '..', '..') });

async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint enforces the layers', () => {
  it.each([
    ['electron/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['electron/core/x.ts', "export const e = require('electron');\n"],
    ['electron/core/x.ts', "export const e = import('electron');\n"],
    ['electron/server/x.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n"],
    ['renderer/src/x.tsx', "import { createEngine } from '../../electron/core/engine';\nexport const a = createEngine;\n"],
    ['renderer/src/x.ts', 'export const a = process.env.HOME;\n'],
    ['shared/x.ts', "import { join } from 'node:path';\nexport const a = join;\n"],
    ['shared/x.ts', "import { createEngine } from '../electron/core/engine';\nexport const a = createEngine;\n"],
    ['shared/x.ts', 'export const a = window.location;\n'],
    // Upward and sideways imports between the layers of the README's diagram.
    ['electron/core/x.ts', "import { startServer } from '../server/http-server';\nexport const a = startServer;\n"],
    ['electron/core/x.ts', "import { bindIpc } from '../main/ipc';\nexport const a = bindIpc;\n"],
    ['electron/core/x.ts', "import { api } from '../../renderer/src/api';\nexport const a = api;\n"],
    ['electron/core/store/x.ts', "import { createEngine } from '../engine';\nexport const a = createEngine;\n"],
    ['electron/core/hosts/x.ts', "import { SAMPLE_SCRIPT } from '../collectors/linux/scripts';\nexport const a = SAMPLE_SCRIPT;\n"],
    ['electron/core/hosts/ssh/x.ts', "import { Fleet } from '../../fleet';\nexport const a = Fleet;\n"],
    ['electron/core/xml/x.ts', "import { LocalHost } from '../hosts/local';\nexport const a = LocalHost;\n"],
    ['electron/core/collectors/x.ts', "import { openDatabase } from '../store/db';\nexport const a = openDatabase;\n"],
    ['electron/core/store/x.ts', "import { LocalHost } from '../hosts/local';\nexport const a = LocalHost;\n"],
    ['electron/core/failures/x.ts', "import { Fleet } from '../fleet';\nexport const a = Fleet;\n"],
    ['electron/core/alerts/x.ts', "import { LocalHost } from '../hosts/local';\nexport const a = LocalHost;\n"],
    ['electron/core/alerts/x.ts', "import { webhookSink } from '../notify/webhook';\nexport const a = webhookSink;\n"],
    ['electron/core/notify/x.ts', "import { openDatabase } from '../store/db';\nexport const a = openDatabase;\n"],
    ['electron/core/store/x.ts', "import { DETECTOR_IDS } from '../alerts/types';\nexport const a = DETECTOR_IDS;\n"],
    ['electron/core/pipeline/x.ts', "import { nodeHandlers } from '../handlers/nodes';\nexport const a = nodeHandlers;\n"],
    ['electron/core/handlers/x.ts', "import { CollectionLoop } from '../collection-loop';\nexport const a = CollectionLoop;\n"],
    ['electron/server/x.ts', "import { bindIpc } from '../main/ipc';\nexport const a = bindIpc;\n"],
    ['electron/main/x.ts', "import { startServer } from '../server/http-server';\nexport const a = startServer;\n"],
    ['electron/preload/x.ts', "import { createEngine } from '../core/engine';\nexport const a = createEngine;\n"],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.only('x', () => {});\n"],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.skip('x', () => {});\n"],
    ['test/unit/x.test.ts', "import { describe } from 'vitest';\ndescribe.skip('x', () => {});\n"],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.todo('x');\n"],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.skipIf(true)('x', () => {});\n"],
  ])('%s: refuses %j', async (file, code) => {
    expect(await lint(file, code)).not.toEqual([]);
  });

  it.each([
    ['electron/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['electron/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['renderer/src/x.ts', "import { CALLS } from '../../shared/contract';\nexport const a = CALLS;\n"],
    ['shared/x.ts', "import { CALLS } from './contract';\nexport const a = CALLS;\n"],
    ['electron/core/collectors/x.ts', "import { LocalHost } from '../hosts/local';\nexport const a = LocalHost;\n"],
    ['electron/core/failures/x.ts', "import { Warnings } from '../collectors/linux/parse-support';\nexport const a = Warnings;\n"],
    ['electron/core/failures/x.ts', "import { openDatabase } from '../store/db';\nexport const a = openDatabase;\n"],
    ['electron/core/failures/x.ts', "import { DETECTOR_IDS } from '../alerts/types';\nexport const a = DETECTOR_IDS;\n"],
    ['electron/core/alerts/x.ts', "import { openDatabase } from '../store/db';\nexport const a = openDatabase;\n"],
    ['electron/core/notify/x.ts', "import type { Notification } from '../alerts/types';\nexport type A = Notification;\n"],
    ['electron/core/handlers/x.ts', "import { InventoryStore } from '../inventory/inventory-store';\nexport const a = InventoryStore;\n"],
    ['electron/core/engine.ts', "import { nodeHandlers } from './handlers/nodes';\nexport const a = nodeHandlers;\n"],
    ['electron/server/x.ts', "import { createEngine } from '../core/engine';\nexport const a = createEngine;\n"],
    ['electron/main/x.ts', "import { createEngine } from '../core/engine';\nexport const a = createEngine;\n"],
    ['electron/preload/x.ts', "import type { CallResult } from '../../shared/contract';\nexport type A = CallResult<number>;\n"],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit('x', () => {});\n"],
  ])('%s: allows %j', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
