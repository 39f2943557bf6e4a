/**
 * A source's secret is bound to the origin (scheme, host, port) it was given for, as a browser
 * binds a password to a site: Settings may change a source's URL, but a token or password kept
 * for it (in the OS keychain, or a file the config names) is only sent to another origin once it
 * is typed again, or once whoever can write config.yaml names the file there. Otherwise anyone
 * allowed to edit sources could point a source at their own server and receive its token.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PrometheusSourceConfig } from '../../../shared/config';

/** The origin a URL's requests go to (`http://host:port`, default ports left out). */
export function urlOrigin(url: string): string {
  return new URL(url).origin;
}

export function sameOrigin(a: string, b: string): boolean {
  return urlOrigin(a) === urlOrigin(b);
}

/** A secret file's path as the engine reads it: relative ones from the config folder, links followed. */
export function secretFilePath(path: string, configDir: string): string {
  return realpathSync(isAbsolute(path) ? path : resolve(configDir, path));
}

/** The secret files a source's config names. */
export function secretFilesOf(source: PrometheusSourceConfig): string[] {
  return [source.bearerTokenFile, source.basic?.passwordFile].filter((p): p is string => p !== undefined);
}

/**
 * The configured sources that name the file at `realPath` (by its real path, however each
 * writes it), as `{ id, origin }`. A named file that cannot be read matches nothing.
 */
export function sourcesNaming(realPath: string, sources: readonly PrometheusSourceConfig[], configDir: string): Array<{ id: string; origin: string }> {
  return sources.flatMap((s) =>
    secretFilesOf(s).some((p) => {
      try {
        return secretFilePath(p, configDir) === realPath;
      } catch {
        return false;
      }
    })
      ? [{ id: s.id, origin: urlOrigin(s.url) }]
      : [],
  );
}
