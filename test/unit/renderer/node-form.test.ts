// The Add/Edit node form's pure parts (renderer/src/fleet/dialogs/forms.ts) for issue #14 item 7
// and per-node exporters (issue #13): exporters to the schema and each problem to its field, the
// Edit form from a node's state and back, the duplicate warning, a taken alias.
import { describe, expect, it } from 'vitest';
import {
  duplicateOf,
  EMPTY_FORM,
  engineFieldErrors,
  formToNode,
  inFormOrder,
  newExporter,
  nodeToForm,
  type AddNodeForm,
} from '../../../renderer/src/fleet/dialogs/forms';
import { SshNodeSchema, type SshNode } from '../../../shared/model/inventory';

const valid: AddNodeForm = { ...EMPTY_FORM, alias: 'gpu-07', host: 'gpu-07.example.org', user: 'monitor', identityFiles: '/keys/a' };

describe('exporters in the node form', () => {
  it('adds node_exporter first, then dcgm-exporter, at their usual ports through SSH', () => {
    const first = newExporter([]);
    expect(first).toEqual({ kind: 'node-exporter', port: '9100', path: '/metrics', via: 'ssh' });
    expect(newExporter([first])).toEqual({ kind: 'dcgm-exporter', port: '9400', path: '/metrics', via: 'ssh' });
  });

  it('builds the exporters list, an empty path meaning /metrics, and leaves it out when there is none', () => {
    const result = formToNode({ ...valid, exporters: [{ kind: 'dcgm-exporter', port: '9401', path: '', via: 'direct' }] });
    expect(result.ok && result.value.exporters).toEqual([{ kind: 'dcgm-exporter', port: 9401, path: '/metrics', via: 'direct' }]);
    const none = formToNode(valid);
    expect(none.ok && 'exporters' in none.value).toBe(false);
  });

  it("puts each exporter problem on its own field, from the zod issue's path", () => {
    const result = formToNode({
      ...valid,
      exporters: [
        { kind: 'node-exporter', port: 'x', path: '/metrics?a=1', via: 'ssh' },
        { kind: 'node-exporter', port: '70000', path: '/../etc', via: 'ssh' },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      'exporter-0-port': 'a port number, 1 to 65535',
      'exporter-0-path': 'a path such as /metrics',
      'exporter-1-kind': 'only one node-exporter per node',
      'exporter-1-port': 'at most 65535',
      'exporter-1-path': 'a path without ..',
    });
    expect(Object.keys(inFormOrder({ labels: 'x', 'exporter-1-port': 'y', 'exporter-0-path': 'z', host: 'w' }))).toEqual([
      'host',
      'exporter-0-path',
      'exporter-1-port',
      'labels',
    ]);
  });
});

describe('the Edit form', () => {
  const node: SshNode = SshNodeSchema.parse({
    id: 'gpu-07',
    host: '10.0.3.17',
    port: 2222,
    user: 'monitor',
    identityFiles: ['/keys/a', '/keys/b'],
    useAgent: true,
    proxyJump: [
      { host: 'bastion', port: 22, user: 'monitor', identityFiles: ['/keys/a', '/keys/b'] },
      { host: 'inner', port: 2200, user: 'jump', identityFiles: ['/keys/jump'] },
    ],
    labels: ['rack-3', 'a100'],
    exporters: [{ kind: 'node-exporter', port: 9100, via: 'ssh' }],
  });

  it('is the node as it is reached, and gives the same node back', () => {
    const { id, labels, ...spec } = node;
    const form = nodeToForm(id, labels, spec);
    expect(form.alias).toBe('gpu-07');
    expect(form.identityFiles).toBe('/keys/a\n/keys/b');
    // A hop with the node's own user and keys shows them as "the same".
    expect(form.proxyJump[0]).toEqual({ host: 'bastion', port: '22', user: '', identityFiles: '' });
    const back = formToNode(form);
    expect(back.ok && back.value).toEqual(node);
  });
});

describe('duplicates and taken aliases', () => {
  const states = [
    { id: 'a', address: 'monitor@10.0.3.17:22', ssh: undefined },
    { id: 'b', address: null, ssh: { host: 'GPU-09.example.org', port: 2222, user: 'root', identityFiles: [], useAgent: true, proxyJump: [] } },
  ];

  it('warns of another node at the same user, host and port (host case ignored), not of the node itself', () => {
    expect(duplicateOf({ id: 'new', user: 'monitor', host: '10.0.3.17', port: 22 }, states)).toBe('a');
    expect(duplicateOf({ id: 'new', user: 'root', host: 'gpu-09.example.org', port: 2222 }, states)).toBe('b');
    expect(duplicateOf({ id: 'b', user: 'root', host: 'gpu-09.example.org', port: 2222 }, states)).toBeNull();
    expect(duplicateOf({ id: 'new', user: 'other', host: '10.0.3.17', port: 22 }, states)).toBeNull();
    expect(duplicateOf({ id: 'new', user: 'monitor', host: '10.0.3.17', port: 2200 }, states)).toBeNull();
  });

  it("puts the engine's 'already exists' on the alias field", () => {
    expect(engineFieldErrors('nodes:add: a node called gpu-07 already exists')).toEqual({ alias: 'already used by another node; choose another alias' });
  });
});
