/**
 * The console speaks the console's words: no error or notice the engine can hand to the renderer
 * carries CLI syntax (`oslc-admin …`, `--option`). The CLI says its fix as a command line from the
 * error's structured `fix` (shared/fix.ts); the console as a button or a sentence.
 *
 * Read with the TypeScript compiler from the sources, so a new message is checked the day it is
 * written: the text of every `new AppError(…)`, `badInput(…)`, `message:` field and `….push(…)` onto a
 * notices list under electron/core and shared/.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Fix } from '../../shared/fix.ts';
import { fixCommand, fixLabel, fixWords } from '../../shared/fix.ts';
import { describeChange, formatChange } from '../../electron/core/watch/format.ts';
import type { WatchChange } from '../../electron/core/watch/changes.ts';

const ROOT = join(import.meta.dirname, '../..');
/** CLI syntax: the command's name, or an option (`--repo`, `--no-verify`) in running text. */
const CLI_SYNTAX = /oslc-admin |(^|[\s(`'"/])--[a-z][a-z-]+/;

/**
 * Files whose messages reach only the CLI, with the reason (each is a message about a CLI option).
 * Everything else under electron/core and shared/ can reach the renderer through a door.
 */
const CLI_ONLY: Record<string, string> = {
  'electron/core/config/home.ts': '`--home DIR` is the CLI option it names; the console has no such field',
  'electron/core/providers/facts.ts': 'the provider table written into README.md by `npm run docs:providers`',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The literal text of an expression: strings, template pieces, and both sides of `+` / `? :`. */
function literalText(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.flatMap((s) => [...literalText(s.expression), s.literal.text])];
  if (ts.isBinaryExpression(node)) return [...literalText(node.left), ...literalText(node.right)];
  if (ts.isConditionalExpression(node)) return [...literalText(node.whenTrue), ...literalText(node.whenFalse)];
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  return [];
}

interface Message {
  where: string;
  text: string;
}

function messagesOf(path: string): Message[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: Message[] = [];
  const add = (node: ts.Node) => {
    const where = `${relative(ROOT, path)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    for (const text of literalText(node)) out.push({ where, text });
  };
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && node.expression.getText() === 'AppError') {
      const message = node.arguments?.[1];
      if (message) add(message);
    }
    // A validator's own words (`ctx.addIssue({ message })`, `z.enum(…, { message })`), any `message:`
    // field, and any `detail:` field (an audit line's, which the console's audit view shows as it is).
    if (ts.isPropertyAssignment(node) && ['message', 'detail'].includes(node.name.getText())) add(node.initializer);
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText();
      if (callee === 'badInput') node.arguments.forEach((a, i) => i > 0 && add(a));
      if (/(^|\.)(notices|notes|adminNotes)\.push$/.test(callee)) node.arguments.forEach(add);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const files = [...sources(join(ROOT, 'electron/core')), ...sources(join(ROOT, 'shared'))].filter(
  (p) => !(relative(ROOT, p) in CLI_ONLY) && relative(ROOT, p) !== 'shared/fix.ts',
);
const messages = files.flatMap(messagesOf);

describe('errors and notices that can reach the renderer', () => {
  it('are found (the scan reads the sources it should)', () => {
    expect(messages.length).toBeGreaterThan(200);
    expect(messages.some((m) => m.where.startsWith('electron/core/repair/approve.ts'))).toBe(true);
    expect(messages.some((m) => m.where.startsWith('electron/core/status.ts'))).toBe(true);
  });

  it('carry no CLI syntax (`oslc-admin …`, `--option`)', () => {
    const bad = messages.filter((m) => CLI_SYNTAX.test(m.text)).map((m) => `${m.where}: ${m.text.trim()}`);
    expect(bad).toEqual([]);
  });

  it('the pattern itself catches what it must', () => {
    for (const text of ['Store it unchecked with --no-verify.', 'run `oslc-admin login prod`', 'set --repo and --db'])
      expect(text).toMatch(CLI_SYNTAX);
    for (const text of ['a node — down', 'key-rotation', 'HTTP 401 -- then', 'x --'])
      expect(text).not.toMatch(CLI_SYNTAX);
  });
});

describe("the watch's change lines", () => {
  it("say a provisional key's fix in words in the console, and as a command only in the CLI's line", () => {
    const change = {
      time: '2026-01-01T00:00:00Z',
      cluster: 'prod',
      severity: 'warning',
      type: 'provisional-key',
      node: 'node2',
      key: 'k1',
    } as unknown as WatchChange;
    expect(describeChange(change)).toBe('provisional key k1 on node2: approve it on that node');
    expect(formatChange(change)).toMatch(/\(oslc-admin approve prod --key k1 --node node2\)$/);
  });
});

describe('a fix (shared/fix.ts)', () => {
  const fixes: Fix[] = [
    { action: 'login', cluster: 'prod' },
    { action: 'login-unchecked', cluster: 'prod' },
    { action: 'login-once', cluster: 'prod' },
    { action: 'edit-cluster', cluster: 'prod', field: 'repo' },
    { action: 'register', cluster: 'prod', key: 'k1' },
    { action: 'give-secret', cluster: 'prod', key: 'k1' },
    { action: 'track', cluster: 'prod' },
    { action: 'approve', cluster: 'prod', key: 'k1', node: 'node2' },
    { action: 'other-home' },
    { action: 'keychain', platform: 'linux' },
    { action: 'keychain', platform: 'darwin' },
    { action: 'keychain', platform: 'win32' },
  ];

  it('is said in the console without CLI syntax, as a button label or a sentence', () => {
    for (const fix of fixes) {
      expect(fixWords(fix), fix.action).not.toMatch(CLI_SYNTAX);
      expect(fixLabel(fix), fix.action).not.toMatch(CLI_SYNTAX);
      expect(fixWords(fix)).toMatch(/\.$/);
    }
  });

  it('is a command line in the CLI, naming the cluster', () => {
    expect(fixCommand({ action: 'login', cluster: 'prod' })).toBe('oslc-admin login prod --user <admin>');
    expect(fixCommand({ action: 'login-unchecked', cluster: 'prod' })).toMatch(/--no-verify$/);
    expect(fixCommand({ action: 'register', cluster: 'prod', key: 'k1' })).toMatch(
      /^oslc-admin register prod .*--key k1 --secret-stdin, then oslc-admin sync prod$/,
    );
    expect(fixCommand({ action: 'edit-cluster', cluster: 'prod', field: 'repo' })).toMatch(/--repo/);
  });

  it('without a keychain, the CLI points at the way to work without one, never back at `login`', () => {
    const words = fixCommand({ action: 'keychain', platform: 'linux' });
    expect(words).toMatch(/status <cluster> --user <admin> --password-stdin/);
    expect(words).not.toMatch(/oslc-admin login/);
  });
});
