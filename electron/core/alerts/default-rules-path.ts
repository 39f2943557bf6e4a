/**
 * Where the rules live at run time. The shipped file is rules/default.yaml in the app's own
 * folder (the checkout under tests, beside dist/ after a build, inside app.asar when packaged:
 * electron-builder.yml lists rules/** in `files`). The user's folder is config's alerts.rulesDir,
 * else rules/ beside config.yaml.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { APP_ROOT } from '../app-root';

export function defaultRulesFile(appRoot: string = APP_ROOT): string {
  return join(appRoot, 'rules', 'default.yaml');
}

/** alerts.rulesDir from config (relative to the config folder), or `<configDir>/rules`. */
export function userRulesDir(rulesDir: string | null, configDir: string): string {
  if (rulesDir === null) return join(configDir, 'rules');
  return isAbsolute(rulesDir) ? rulesDir : resolve(configDir, rulesDir);
}
