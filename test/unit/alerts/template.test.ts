import { describe, expect, it } from 'vitest';
import { formatValue, MESSAGE_MAX_CHARS, renderMessage, unknownPlaceholders, type MessageVars } from '../../../electron/core/alerts/template';

const vars: MessageVars = {
  node: 'gpu-07',
  gpu: 'GPU-5f1c',
  subject: '00000000:9B:00.0',
  value: 95.4321,
  text: 'GPU has fallen off the bus. Reset the GPU or reboot.',
  labels: { xid: '79', name: 'GPU has fallen off the bus' },
};

describe('renderMessage', () => {
  it('fills every placeholder, with or without spaces inside the braces', () => {
    expect(renderMessage('{{node}} GPU {{ gpu }} ({{subject}}): Xid {{labels.xid}} {{labels.name}} at {{value}}. {{text}}', vars)).toBe(
      'gpu-07 GPU GPU-5f1c (00000000:9B:00.0): Xid 79 GPU has fallen off the bus at 95.43. GPU has fallen off the bus. Reset the GPU or reboot.',
    );
  });

  it('leaves an unknown placeholder or a missing label visible, and renders null as empty', () => {
    expect(renderMessage('{{nod}} {{labels.reason}} [{{gpu}}] [{{value}}] {{node}}', { ...vars, gpu: null, value: null })).toBe(
      '{{nod}} {{labels.reason}} [] [] gpu-07',
    );
  });

  it('never evaluates anything: expressions, prototype names and replacement patterns stay text', () => {
    expect(renderMessage('{{constructor}} {{labels.__proto__}} {{node.length}} {{ 1+1 }} ${node}', vars)).toBe(
      '{{constructor}} {{labels.__proto__}} {{node.length}} {{ 1+1 }} ${node}',
    );
    // A value that looks like a replacement pattern or a placeholder is inserted as it is, once.
    expect(renderMessage('{{text}}', { ...vars, text: "$& $' {{node}}" })).toBe("$& $' {{node}}");
  });

  it('bounds the output and each value', () => {
    const long = 'x'.repeat(10_000);
    expect(renderMessage('{{text}}', { ...vars, text: long }).length).toBe(2048);
    const out = renderMessage('{{text}}{{text}}{{text}}', { ...vars, text: long });
    expect(out.length).toBe(MESSAGE_MAX_CHARS);
    expect(out.endsWith('…')).toBe(true);
  });

  it('formats numbers for people', () => {
    expect([formatValue(95.4321), formatValue(3), formatValue(0.005), formatValue(1e12), formatValue(Number.NaN), formatValue(null)]).toEqual([
      '95.43',
      '3',
      '0.01',
      '1000000000000',
      '',
      '',
    ]);
  });

  it('lists the placeholders it would not fill (the loader refuses those)', () => {
    expect(unknownPlaceholders('{{node}} {{labels.xid}} {{nod}} {{ value }} {{foo.bar}}')).toEqual(['nod', 'foo.bar']);
  });
});
