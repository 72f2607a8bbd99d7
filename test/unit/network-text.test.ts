/** Network text shown as text: the escaping of shared/network-text.ts and the CLI's escaping streams. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { markdownCode, markdownText, terminalLines, terminalText } from '../../shared/network-text.ts';
import { escapedIo } from '../../electron/cli/safe-output.ts';

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalText', () => {
  it.each([
    ['ESC (CSI clear screen)', '\u001b[2J', '\\u001b[2J'],
    ['OSC set title with BEL', '\u001b]0;x\u0007', '\\u001b]0;x\\u0007'],
    ['carriage return', 'ok\rFAKE', 'ok\\u000dFAKE'],
    ['newline in one line', 'a\nnode9: fine', 'a\\u000anode9: fine'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['C1 CSI', '\u009b31m', '\\u009b31m'],
    ['RLO/PDF', '\u202eevil\u202c', '\\u202eevil\\u202c'],
    ['isolates', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['NUL', 'a\u0000b', 'a\\u0000b'],
  ])('%s is escaped visibly', (_name, input, shown) => {
    expect(terminalText(input)).toBe(shown);
  });

  it('leaves ordinary text, accents and CJK alone', () => {
    const s = 'Überprüfung 検証 node-1: 401 Unauthorized';
    expect(terminalText(s)).toBe(s);
  });

  it('terminalLines keeps LF and TAB, escapes the rest', () => {
    expect(terminalLines('a\tb\nc\u001b[31m')).toBe('a\tb\nc\\u001b[31m');
  });

  it('the escaped form stays valid inside JSON', () => {
    const json = JSON.stringify({ m: 'x\u009b\u202e\u007f' });
    expect(JSON.parse(terminalLines(json))).toEqual({ m: 'x\u009b\u202e\u007f' });
  });
});

describe('markdown', () => {
  it('markdownText escapes controls and metacharacters so a node cannot make links, HTML or break a table', () => {
    const out = markdownText('[click](http://evil) <img src=x> | *b* \u001b[2J');
    expect(out).not.toMatch(RAW);
    expect(out).toBe('\\[click\\]\\(http://evil\\) \\<img src=x\\> \\| \\*b\\* \\\\u001b\\[2J');
  });

  it('markdownCode chooses a fence longer than any backtick run', () => {
    expect(markdownCode('a``b')).toBe('```a``b```');
    expect(markdownCode('`x')).toBe('`` `x ``');
    expect(markdownCode('\u202e')).toBe('`\\u202e`');
  });
});

describe('the CLI streams', () => {
  it('escape whatever a printer writes, even when it forgot to', () => {
    let seen = '';
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        seen += chunk.toString();
        cb();
      },
    });
    const io = escapedIo({ stdin: process.stdin, stdout: sink, stderr: sink, env: {} });
    io.stdout.write('node2: 500 \u001b[2J\u202eevil\n');
    io.stderr.write(Buffer.from('\u009b31m\n'));
    expect(seen).toBe('node2: 500 \\u001b[2J\\u202eevil\n\\u009b31m\n');
  });
});

describe('the renderer', () => {
  it('never renders text as HTML ({@html} appears in no component)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const root = new URL('../../renderer', import.meta.url).pathname;
    const hits: string[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(svelte|ts|js)$/.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      if ((await readFile(file, 'utf8')).includes('{@html')) hits.push(file);
    }
    expect(hits).toEqual([]);
  });
});
