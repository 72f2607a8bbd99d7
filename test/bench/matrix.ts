/**
 * The keys matrix figures (issue 9): builds the benchmark page (renderer/bench, into dist/bench, never
 * into the shipped dist/renderer), serves it on 127.0.0.1, opens it in Debian Chromium with the e2e
 * launch options, and reads the performance.measure figures the page took: first render and the
 * median filter keystroke at ROWS × COLS (default 50,000 × 64, issue 27). Targets: under 300 ms and 50 ms.
 * With `shuffled`, the same again with the names in an order of their own (not the tracked order),
 * so that sorting by name has work to do; the targets then hold for both.
 *
 * `node bin/run-ts.mjs test/bench/matrix.ts [--rows N] [--cols N] [--keystrokes N] [--runs N] [--shuffled] [--no-build]`
 * prints the JSON; `npm run bench` calls {@link runMatrixBench} and prints it too.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { chromium } from '@playwright/test';
import config, { chromiumPath } from '../../playwright.config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(root, 'dist/bench');

export const MATRIX_TARGETS = { firstRenderMs: 300, filterKeystrokeMs: 50 } as const;

export interface MatrixFigures {
  rows: number;
  cols: number;
  /** Median over the runs (a fresh page each). */
  firstRenderMs: number;
  /** Median keystroke, over every keystroke of every run. */
  filterKeystrokeMs: number;
  filterKeystrokeMaxMs: number;
  cellsInDom: number;
  runs: { firstRenderMs: number; filterKeystrokeMs: number }[];
  /** The same size with the names shuffled (when asked for): the sort by name has work to do. */
  shuffledNames?: Omit<MatrixFigures, 'shuffledNames' | 'targetsMet'>;
  /** Every target met, the shuffled names' too when measured. */
  targetsMet: boolean;
}

/** What the page leaves in `window.__matrixBench` (renderer/bench/matrix.ts). */
interface PageResult {
  firstRenderMs: number;
  filterKeystrokeMs: number;
  filterKeystrokeMaxMs: number;
  keystrokesMs: number[];
  cellsInDom: number;
}
type BenchWindow = { __matrixBench?: PageResult | { error: string } };

/** A bench page's own build (the shipped renderer's vite.config.ts never sees it); the map bench uses it too. */
export const buildPage = (page = 'matrix.html', out = outDir) =>
  build({
    configFile: false,
    root: join(root, 'renderer/bench'),
    base: './',
    plugins: [svelte({ preprocess: vitePreprocess() })],
    build: {
      outDir: out,
      emptyOutDir: true,
      rollupOptions: { input: join(root, 'renderer/bench', page) },
      modulePreload: { polyfill: false },
      target: 'chrome120',
    },
    logLevel: 'warn',
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** dist/bench over http (a module script does not load from file://). */
export async function serve(page = 'matrix.html', out = outDir): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    readFile(join(out, path)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/${page}`, close: () => new Promise((r) => server.close(() => r())) };
}

type Scenario = Omit<MatrixFigures, 'shuffledNames' | 'targetsMet'>;

const met = (f: Pick<MatrixFigures, 'firstRenderMs' | 'filterKeystrokeMs'>) =>
  f.firstRenderMs < MATRIX_TARGETS.firstRenderMs && f.filterKeystrokeMs < MATRIX_TARGETS.filterKeystrokeMs;

export async function runMatrixBench(
  opts: { rows?: number; cols?: number; keystrokes?: number; runs?: number; shuffled?: boolean; build?: boolean } = {},
): Promise<MatrixFigures> {
  const { rows = 50_000, cols = 64, keystrokes = 15, runs = 3 } = opts;
  if (opts.build !== false) await buildPage();
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // gc(): the page collects the garbage of its synthetic statuses before it times anything.
    args: [
      ...(config.use?.launchOptions?.args ?? ['--headless', '--no-sandbox', '--disable-gpu']),
      '--js-flags=--expose-gc',
    ],
  });
  const scenario = async (order: 'tracked' | 'shuffled'): Promise<Scenario> => {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}?rows=${rows}&cols=${cols}&keystrokes=${keystrokes}&order=${order}`);
      const done = () => (globalThis as unknown as BenchWindow).__matrixBench !== undefined;
      await page.waitForFunction(done, null, { timeout: 120_000 });
      const result = await page.evaluate(() => (globalThis as unknown as BenchWindow).__matrixBench!);
      await page.close();
      if ('error' in result) throw new Error(`the matrix bench page failed: ${result.error}`);
      results.push(result);
    }
    return {
      rows,
      cols,
      firstRenderMs: median(results.map((r) => r.firstRenderMs)),
      filterKeystrokeMs: median(results.flatMap((r) => r.keystrokesMs)),
      filterKeystrokeMaxMs: Math.max(...results.map((r) => r.filterKeystrokeMaxMs)),
      cellsInDom: results[0]?.cellsInDom ?? 0,
      runs: results.map((r) => ({ firstRenderMs: r.firstRenderMs, filterKeystrokeMs: r.filterKeystrokeMs })),
    };
  };
  try {
    const tracked = await scenario('tracked');
    const shuffledNames = opts.shuffled === true ? await scenario('shuffled') : undefined;
    return {
      ...tracked,
      ...(shuffledNames && { shuffledNames }),
      targetsMet: met(tracked) && (!shuffledNames || met(shuffledNames)),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The lines `npm run bench` prints under its table. */
export function formatMatrixFigures(f: MatrixFigures): string {
  const met = (v: number, t: number) => `${v} ms (target < ${t} ms: ${v < t ? 'met' : 'NOT met'})`;
  const lines = [
    `Keys matrix ${f.rows} × ${f.cols} in Chromium (median of ${f.runs.length} page loads):`,
    `  first render        ${met(f.firstRenderMs, MATRIX_TARGETS.firstRenderMs)}`,
    `  filter keystroke    ${met(f.filterKeystrokeMs, MATRIX_TARGETS.filterKeystrokeMs)}, slowest ${f.filterKeystrokeMaxMs} ms`,
    `  cells in the DOM    ${f.cellsInDom} of ${f.rows * f.cols}`,
  ];
  const s = f.shuffledNames;
  if (s) {
    lines.push(
      `  names shuffled: first render ${met(s.firstRenderMs, MATRIX_TARGETS.firstRenderMs)}`,
      `                  filter keystroke ${met(s.filterKeystrokeMs, MATRIX_TARGETS.filterKeystrokeMs)}, slowest ${s.filterKeystrokeMaxMs} ms`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      cols: { type: 'string' },
      keystrokes: { type: 'string' },
      runs: { type: 'string' },
      shuffled: { type: 'boolean' },
      'no-build': { type: 'boolean' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const figures = await runMatrixBench({
    rows: num(values.rows),
    cols: num(values.cols),
    keystrokes: num(values.keystrokes),
    runs: num(values.runs),
    shuffled: values.shuffled === true,
    build: values['no-build'] !== true,
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n\n${formatMatrixFigures(figures)}\n`);
}
