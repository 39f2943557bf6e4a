import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { NodeState } from '../../../shared/model/inventory';
import { canReconnect, canRelabel } from '../collectors/node-collector';
import type { EngineContext } from './context';

type NodeCalls = 'nodes:list' | 'nodes:latest' | 'nodes:states' | 'nodes:add' | 'nodes:update' | 'nodes:edit' | 'nodes:remove' | 'nodes:retry';

/** A node's current state, or not-found. */
export function stateOf(ctx: EngineContext, nodeId: string): NodeState {
  const state = ctx.fleet.states().find((s) => s.id === nodeId);
  if (!state) throw new ContractError('not-found', `no node called ${nodeId}`);
  return state;
}

export function nodeHandlers(ctx: EngineContext): Pick<CallHandlers, NodeCalls> {
  return {
    'nodes:list': async () => ctx.store.listNodes(),
    'nodes:latest': async ({ nodeId }) => ctx.store.latestSnapshot(nodeId),
    'nodes:states': async () => ctx.fleet.states(),
    'nodes:add': async ({ node }) => {
      ctx.addToInventory(node);
      ctx.publishStates();
      return stateOf(ctx, node.id);
    },
    'nodes:update': async ({ nodeId, labels }) => {
      const node = ctx.inventory.get(nodeId);
      const collector = ctx.fleet.collector(nodeId);
      if (!node || !canRelabel(collector)) throw new ContractError('not-found', `no SSH node called ${nodeId}`);
      ctx.inventory.update({ ...node, labels }, ctx.clock.now());
      collector.setLabels(labels);
      ctx.publishStates();
      return stateOf(ctx, nodeId);
    },
    'nodes:edit': async () => {
      throw new ContractError('unavailable', 'editing a node is being built: remove and add it again for now');
    },
    'nodes:remove': async ({ nodeId }) => {
      ctx.inventory.remove(nodeId);
      ctx.fleet.remove(nodeId);
      ctx.forgetNode(nodeId);
      ctx.publishStates();
      return { removed: true as const };
    },
    'nodes:retry': async ({ nodeId }) => {
      const collector = ctx.fleet.collector(nodeId);
      if (!canReconnect(collector)) throw new ContractError('not-found', `no SSH node called ${nodeId}`);
      collector.retryNow();
      return stateOf(ctx, nodeId);
    },
  };
}
