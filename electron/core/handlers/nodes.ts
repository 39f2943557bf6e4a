import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import { SshNodeSchema, type NodeState } from '../../../shared/model/inventory';
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
    'nodes:edit': async (request) => {
      // Validated here too: handlers are also called in-process, not only through dispatch.
      const parsed = SshNodeSchema.safeParse(request.node);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ContractError('bad-request', `${issue.path.join('.') || 'node'}: ${issue.message}`);
      }
      const node = parsed.data;
      // Only the inventory's SSH nodes: this machine and a source's nodes are not reached by a spec.
      if (!ctx.inventory.get(node.id) || !canReconnect(ctx.fleet.collector(node.id))) {
        throw new ContractError('not-found', `no SSH node called ${node.id} in the inventory`);
      }
      ctx.editInventory(node);
      ctx.publishStates();
      return stateOf(ctx, node.id);
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
