import type { AppInfo } from '../../../shared/contract';

/** The engine fell back to defaults because the config file was unusable; say so until fixed. */
export function ConfigBanner({ info }: { info: AppInfo | null }) {
  if (!info?.configError) return null;
  return (
    <div className="banner banner--warn" role="alert" data-testid="config-error">
      <strong>Configuration not applied.</strong> {info.configError} <span className="muted">({info.configPath}; running on defaults)</span>
    </div>
  );
}
