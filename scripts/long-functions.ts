/**
 * Lists the functions longer than a limit (default 80 lines) in the given folders (default
 * electron/core): `node bin/run-ts.mjs scripts/long-functions.ts [--max N] [folder…]`. Every
 * function-like node counts (declarations, methods, accessors, arrow functions and function
 * expressions), nested ones on their own too. Exits 0; the list is for planning, not a verdict.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface LongFunction {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
  }
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

/** The functions over `max` lines in the files below `dirs`, longest first. */
export function longFunctions(dirs: string[], max: number, root = process.cwd()): LongFunction[] {
  const found: LongFunction[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(dir)) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && (node as ts.Node & { body?: ts.Node }).body) {
          const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
          const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
          const lines = end - start + 1;
          if (lines > max) found.push({ file: relative(root, file), name: nameOf(node, sf), line: start + 1, lines });
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--max');
  const max = at >= 0 ? Number(args.splice(at, 2)[1]) : 80;
  const dirs = args.length ? args : ['electron/core'];
  const found = longFunctions(dirs, max);
  for (const f of found) console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
  console.log(`${found.length} function(s) over ${max} lines in ${dirs.join(', ')}`);
}
