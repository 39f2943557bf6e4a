/**
 * Settings: the config in force, and changes to it. A change is validated, written into
 * config.yaml (the user's comments and other keys kept), and only then applied to the running
 * engine, so what runs is always what the file says.
 */
import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import { ConfigError } from '../config';
import { configWritable, writeConfigFile } from '../config-writer';
import type { EngineContext } from './context';

export function settingsHandlers(ctx: EngineContext): Pick<CallHandlers, 'settings:get' | 'settings:update'> {
  return {
    'settings:get': async () => ({
      config: ctx.config(),
      configPath: ctx.app.configPath,
      writable: configWritable(ctx.app.configPath),
    }),
    'settings:update': async ({ patch }) => {
      let config;
      try {
        config = writeConfigFile(ctx.app.configPath, patch);
      } catch (error) {
        if (error instanceof ConfigError) throw new ContractError('bad-request', error.message);
        throw error;
      }
      ctx.applyConfig(config);
      ctx.log.info(`settings changed in ${ctx.app.configPath}: ${describePatch(patch)}`);
      return { config };
    },
  };
}

/** "collection.intervalMs, storage.maxDiskMb": which settings a patch touches, for the log. */
function describePatch(patch: object, prefix = ''): string {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => (value !== null && typeof value === 'object' && !prefix ? describePatch(value as object, `${key}.`) : `${prefix}${key}`))
    .join(', ');
}
