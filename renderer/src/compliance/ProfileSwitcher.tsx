import { useEffect, useState } from 'react';
import type { Profile, Role } from '../../../shared/model/audits';

/** The profile this window acts as (its name goes with every action), and a switch between admin and auditor. */
export function ProfileSwitcher({ profile, error, onSwitch }: { profile: Profile | null; error: string | null; onSwitch(profile: Profile): void }) {
  const [name, setName] = useState(profile?.name ?? '');
  useEffect(() => setName(profile?.name ?? ''), [profile?.name]);
  const apply = (role: Role) => {
    const trimmed = name.trim();
    if (trimmed !== '') onSwitch({ name: trimmed.slice(0, 128), role });
  };
  return (
    <div className="compliance-profile" data-testid="profile-switcher" data-role={profile?.role ?? ''} data-name={profile?.name ?? ''}>
      <span className="muted">Acting as</span>
      <input
        className="input compliance-profile__name"
        aria-label="Profile name"
        data-testid="profile-name"
        maxLength={128}
        value={name}
        disabled={!profile}
        onChange={(e) => setName(e.target.value)}
        onBlur={() => profile && name.trim() !== profile.name && apply(profile.role)}
      />
      <select
        className="input"
        aria-label="Role"
        data-testid="profile-role"
        value={profile?.role ?? ''}
        disabled={!profile}
        onChange={(e) => apply(e.target.value as Role)}
      >
        <option value="admin">admin</option>
        <option value="auditor">auditor</option>
      </select>
      {error && (
        <span className="field__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
