import { describe, expect, it } from 'vitest';
import {
  candidateBlocker,
  candidateRoute,
  EMPTY_FORM,
  engineFieldErrors,
  fieldOfPath,
  formToNode,
  labelsFromText,
  parseLabels,
  parseLines,
  type AddNodeForm,
} from '../../../renderer/src/fleet/dialogs/forms';
import { OPENSSH_DEFAULT_IDENTITY_FILES } from '../../../shared/model/inventory';

const valid: AddNodeForm = {
  ...EMPTY_FORM,
  alias: 'gpu-07',
  host: 'gpu-07.example.org',
  port: '2222',
  user: 'monitor',
  identityFiles: '~/.ssh/id_ed25519\n\n  /etc/clusterdeck/key  \n',
  labels: 'rack-3, a100  team:vision,a100',
};

describe('Add node form', () => {
  it('builds the node the engine expects from the text fields', () => {
    const result = formToNode(valid);
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'gpu-07',
        host: 'gpu-07.example.org',
        port: 2222,
        user: 'monitor',
        identityFiles: ['~/.ssh/id_ed25519', '/etc/clusterdeck/key'],
        useAgent: false,
        proxyJump: [],
        labels: ['rack-3', 'a100', 'team:vision'],
      },
    });
  });

  it('defaults the alias to the host and the port to 22', () => {
    const result = formToNode({ ...valid, alias: '  ', port: '' });
    expect(result.ok && result.value).toMatchObject({ id: 'gpu-07.example.org', port: 22 });
  });

  it('fills jump hosts from the node: port 22, the same user and keys unless given', () => {
    const result = formToNode({
      ...valid,
      proxyJump: [
        { host: 'bastion.example.org', port: '', user: '', identityFiles: '' },
        { host: '10.0.0.1', port: '2200', user: 'jump', identityFiles: '/keys/jump' },
      ],
    });
    expect(result.ok && result.value.proxyJump).toEqual([
      { host: 'bastion.example.org', port: 22, user: 'monitor', identityFiles: ['~/.ssh/id_ed25519', '/etc/clusterdeck/key'] },
      { host: '10.0.0.1', port: 2200, user: 'jump', identityFiles: ['/keys/jump'] },
    ]);
  });

  it('maps every schema problem to its field, in words', () => {
    const result = formToNode({
      ...valid,
      alias: 'bad alias',
      host: 'not a host',
      port: '70000',
      user: '',
      labels: 'ok, bad!label',
      proxyJump: [{ host: '', port: 'x', user: '', identityFiles: '' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.alias).toMatch(/an alias/);
    expect(result.errors.host).toMatch(/a host name or address/);
    expect(result.errors.port).toBe('at most 65535');
    expect(result.errors.user).toBe('required');
    expect(result.errors.labels).toMatch(/^"bad!label": a label/);
    expect(result.errors['hop-0-host']).toBe('required');
    expect(result.errors['hop-0-port']).toBe('a port number, 1 to 65535');
  });

  it("rejects a port that is not a number; an empty identity field is OpenSSH's default key files, as the import applies them", () => {
    const result = formToNode({ ...valid, port: '22a', identityFiles: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.port).toBe('a port number, 1 to 65535');
    expect(result.errors.identityFiles).toBeUndefined();
    const defaults = formToNode({ ...valid, identityFiles: '' });
    expect(defaults.ok && defaults.value.identityFiles).toEqual([...OPENSSH_DEFAULT_IDENTITY_FILES]);
  });

  it('says when the host cannot serve as the alias, and nothing about the alias while the host is empty too', () => {
    const result = formToNode({ ...valid, alias: '', host: '[fe80::1%eth0]' });
    expect(!result.ok && result.errors.alias).toBe('the host cannot serve as the alias; give one');
    const empty = formToNode(EMPTY_FORM);
    expect(empty.ok).toBe(false);
    if (empty.ok) return;
    expect(empty.errors).toEqual({ host: 'required', user: 'required' });
    // In the order of the form, so the first gets the focus.
    expect(Object.keys(empty.errors)).toEqual(['host', 'user']);
  });

  it('maps schema paths to form fields', () => {
    expect(fieldOfPath(['id'])).toBe('alias');
    expect(fieldOfPath(['proxyJump', 2, 'user'])).toBe('hop-2-user');
    expect(fieldOfPath(['proxyJump'])).toBe('proxyJump');
    expect(fieldOfPath(['labels', 3])).toBe('labels');
    expect(fieldOfPath([])).toBe('form');
  });

  it('reads field problems out of an engine refusal', () => {
    expect(engineFieldErrors('nodes:add: node.host: a host name or address; node.proxyJump.0.port: Too big: expected number to be <=65535')).toEqual({
      host: 'a host name or address',
      'hop-0-port': 'Too big: expected number to be <=65535',
    });
    // A taken alias is the alias field's problem (issue #14: the error on the id field).
    expect(engineFieldErrors('a node called gpu-07 already exists (bad-request)')).toEqual({ alias: 'already used by another node; choose another alias' });
    expect(engineFieldErrors('the engine is busy (unavailable)')).toEqual({});
  });
});

describe('text helpers', () => {
  it('splits lines and labels', () => {
    expect(parseLines(' a \r\n\n b\n')).toEqual(['a', 'b']);
    expect(parseLabels(' x,y  z,,x ')).toEqual(['x', 'y', 'z']);
    expect(parseLabels('')).toEqual([]);
  });

  it('validates labels for the label editor', () => {
    expect(labelsFromText('rack-1, gpu/a100')).toEqual({ ok: true, value: ['rack-1', 'gpu/a100'] });
    expect(labelsFromText('')).toEqual({ ok: true, value: [] });
    const bad = labelsFromText('fine, no!pe');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.labels).toMatch(/^"no!pe": a label/);
    const many = labelsFromText(Array.from({ length: 33 }, (_, i) => `l${i}`).join(' '));
    expect(!many.ok && many.errors.labels).toBe('at most 32');
  });
});

describe('ssh config candidates', () => {
  it('disables known entries and entries with a problem, with the reason', () => {
    expect(candidateBlocker({ known: true, problem: null })).toBe('already in the fleet');
    expect(candidateBlocker({ known: false, problem: 'uses ProxyCommand' })).toBe('uses ProxyCommand');
    expect(candidateBlocker({ known: false, problem: null })).toBeNull();
  });

  it('shows how an entry connects', () => {
    expect(candidateRoute({ user: 'u', host: 'h', port: 22, proxyJump: [] })).toBe('u@h');
    expect(
      candidateRoute({
        user: 'u',
        host: 'h',
        port: 2222,
        proxyJump: [
          { host: 'b1', port: 22, user: 'u', identityFiles: [] },
          { host: 'b2', port: 22, user: 'u', identityFiles: [] },
        ],
      }),
    ).toBe('u@h:2222 via b1 › b2');
  });
});
