import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import { canReconnect, hasHostKey } from '../collectors/node-collector';
import { expandHome, passphraseSecretName } from '../hosts/ssh/credentials';
import { fingerprint, replaceHostKey, verifyHostKey } from '../hosts/ssh/known-hosts';
import type { EngineContext } from './context';
import { stateOf } from './nodes';

export function hostKeyHandlers(ctx: EngineContext): Pick<CallHandlers, 'hostKeys:trust' | 'keys:passphrase'> {
  return {
    'hostKeys:trust': async ({ nodeId, fingerprint: confirmed }) => {
      const collector = ctx.fleet.collector(nodeId);
      if (!hasHostKey(collector)) throw new ContractError('not-found', `no SSH node called ${nodeId}`);
      const prompt = collector.hostKeyPrompt();
      if (!prompt) throw new ContractError('bad-request', `${nodeId} is not waiting for a host key decision`);
      // The key written must be the one confirmed: the prompt is what the node last showed, the
      // key is what its connection last met, and a reconnect in between can change it.
      const key = collector.presentedKey();
      const presented = key ? fingerprint(key.blob) : null;
      if (key === null || prompt.fingerprint !== confirmed || presented !== confirmed) {
        throw new ContractError('bad-request', `the host now presents ${presented ?? prompt.fingerprint}, not the key you confirmed; check again`);
      }
      const verdict = verifyHostKey([...ctx.hostKeyFiles], prompt.host, prompt.port, key);
      if (verdict.kind === 'revoked') throw new ContractError('bad-request', `${confirmed} is revoked in ${verdict.file}; it cannot be trusted`);
      replaceHostKey(ctx.knownHostsFile, prompt.host, prompt.port, key);
      ctx.log.info(`user trusted the host key of ${prompt.host}:${prompt.port} (${confirmed})`);
      ctx.pool.resetBackoff(prompt.host, prompt.port);
      if (canReconnect(collector)) collector.retryNow();
      ctx.publishStates();
      return stateOf(ctx, nodeId);
    },
    'keys:passphrase': async ({ keyPath, passphrase }) => {
      if (!ctx.secrets.available)
        throw new ContractError('unavailable', 'passphrases can only be kept by the desktop app (OS keychain); load the key into ssh-agent instead');
      ctx.secrets.set(passphraseSecretName(expandHome(keyPath)), passphrase);
      for (const id of ctx.fleet.ids()) {
        const collector = ctx.fleet.collector(id);
        if (canReconnect(collector)) collector.retryNow();
      }
      return { stored: true as const };
    },
  };
}
