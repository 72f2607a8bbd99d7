/**
 * The npm bin runs the CLI as one bundle whose names are minified (dist/cli/cli.cjs, issue 27: a
 * smaller script starts faster), so a stack from inside it says `at Xe (…/dist/cli/cli.cjs:3:91021)`.
 * The build writes a source map beside it (cli.cjs.map, no sources inside); this puts each such
 * frame back as the file and line it came from, for `--verbose` after an internal error.
 * Anything it cannot map (no map, a frame outside the bundle, a damaged map) stays as it was.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `at NAME (FILE:LINE:COLUMN)` or `at FILE:LINE:COLUMN`, FILE a bundle named cli.cjs. */
const BUNDLE_FRAME = /(at (?:async )?)(?:(\S+) \()?((?:\/|[A-Za-z]:\\)[^\s()]*[\\/]cli\.cjs):(\d+):(\d+)(\)?)/g;

const maps = new Map<string, SourceMap | null>();

function mapOf(bundle: string): SourceMap | null {
  if (!maps.has(bundle)) {
    try {
      const payload = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0];
      maps.set(bundle, new SourceMap(payload));
    } catch {
      maps.set(bundle, null); // no map beside it (a copy, an older build): the frames stay as they are
    }
  }
  return maps.get(bundle) ?? null;
}

/** The project file a map's source names, relative to the project root (two folders above dist/cli/). */
function sourceName(bundle: string, source: string): string {
  const root = resolve(dirname(bundle), '..', '..');
  const file = source.startsWith('file:') ? fileURLToPath(source) : resolve(dirname(bundle), source);
  return relative(root, file).split('\\').join('/');
}

/** The stack with every frame inside a mapped bundle given as its source file and line. */
export function sourceStack(stack: string): string {
  return stack.replace(BUNDLE_FRAME, (frame, at: string, name: string | undefined, bundle: string, line, column) => {
    const map = mapOf(bundle);
    if (!map) return frame;
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
    const where = `${sourceName(bundle, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    // The name stays as V8 gave it (a minified one among them): the place is what the map knows.
    return name ? `${at}${name} (${where})` : `${at}${where}`;
  });
}
