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
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit('x', () => {});\n"],
  ])('%s: allows %j', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
