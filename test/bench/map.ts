/**
 * The cluster map figures (issue 23): builds the map bench page (renderer/bench/map.html, into
 * dist/bench-map, never into the shipped dist/renderer), serves it on 127.0.0.1, opens it in Debian
 * Chromium with the e2e launch options at 1440×900, and reads the performance.measure figures the page
 * took (renderer/bench/map.ts). Targets: first render at 128 nodes × 10,000 tracked keys < 300 ms;
 * repaint after one node's state changes < 50 ms; the Map with 50,000 keys on a node interactive < 500 ms.
 *
 * `node bin/run-ts.mjs test/bench/map.ts [--nodes N] [--keys N] [--big-keys N] [--runs N] [--no-build]`
 * prints the JSON; `npm run bench` calls {@link runMapBench} and prints it too.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import config, { chromiumPath } from '../../playwright.config.ts';
import { buildPage, serve } from './matrix.ts';

const outDir = join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/bench-map');

export const MAP_TARGETS = { firstRenderMs: 300, repaintMs: 50, bigNodeInteractiveMs: 500 } as const;

export interface MapFigures {
  nodes: number;
  keys: number;
  bigKeys: number;
  /** Medians over the runs (a fresh page each); the repaint is the median of every repaint of every run. */
  firstRenderMs: number;
  repaintMs: number;
  repaintMaxMs: number;
  bigNodeInteractiveMs: number;
  elementsInMap: number;
  mode: string;
  runs: { firstRenderMs: number; repaintMs: number; bigNodeInteractiveMs: number }[];
  targetsMet: boolean;
}

interface PageResult {
  firstRenderMs: number;
  repaintMs: number;
  repaintsMs: number[];
  repaintMaxMs: number;
  bigNodeInteractiveMs: number;
  elementsInMap: number;
  mode: string;
}
type BenchWindow = { __mapBench?: PageResult | { error: string } };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runMapBench(
  opts: { nodes?: number; keys?: number; bigKeys?: number; runs?: number; build?: boolean } = {},
): Promise<MapFigures> {
  const { nodes = 128, keys = 10_000, bigKeys = 50_000, runs = 3 } = opts;
  if (opts.build !== false) await buildPage('map.html', outDir);
  const server = await serve('map.html', outDir);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: config.use?.launchOptions?.args ?? ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const results: PageResult[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${server.url}?nodes=${nodes}&keys=${keys}&bigKeys=${bigKeys}`);
      const done = () => (globalThis as unknown as BenchWindow).__mapBench !== undefined;
      await page.waitForFunction(done, null, { timeout: 180_000 });
      const result = await page.evaluate(() => (globalThis as unknown as BenchWindow).__mapBench!);
      await page.close();
      if ('error' in result) throw new Error(`the map bench page failed: ${result.error}`);
      results.push(result);
    }
    const firstRenderMs = median(results.map((r) => r.firstRenderMs));
    const repaintMs = median(results.flatMap((r) => r.repaintsMs));
    const bigNodeInteractiveMs = median(results.map((r) => r.bigNodeInteractiveMs));
    return {
      nodes,
      keys,
      bigKeys,
      firstRenderMs,
      repaintMs,
      repaintMaxMs: Math.max(...results.map((r) => r.repaintMaxMs)),
      bigNodeInteractiveMs,
      elementsInMap: results[0]?.elementsInMap ?? 0,
      mode: results[0]?.mode ?? '',
      runs: results.map((r) => ({
        firstRenderMs: r.firstRenderMs,
        repaintMs: r.repaintMs,
        bigNodeInteractiveMs: r.bigNodeInteractiveMs,
      })),
      targetsMet:
        firstRenderMs < MAP_TARGETS.firstRenderMs &&
        repaintMs < MAP_TARGETS.repaintMs &&
        bigNodeInteractiveMs < MAP_TARGETS.bigNodeInteractiveMs,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The lines `npm run bench` prints under its table. */
export function formatMapFigures(f: MapFigures): string {
  const met = (v: number, t: number) => `${v} ms (target < ${t} ms: ${v < t ? 'met' : 'NOT met'})`;
  return [
    `Cluster map ${f.nodes} nodes × ${f.keys} keys in Chromium at 1440×900 (median of ${f.runs.length} page loads, ${f.mode}):`,
    `  first render          ${met(f.firstRenderMs, MAP_TARGETS.firstRenderMs)}`,
    `  repaint, one node     ${met(f.repaintMs, MAP_TARGETS.repaintMs)}, slowest ${f.repaintMaxMs} ms`,
    `  ${f.bigKeys} keys on a node ${met(f.bigNodeInteractiveMs, MAP_TARGETS.bigNodeInteractiveMs)}`,
    `  elements in the map   ${f.elementsInMap}`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string' },
      keys: { type: 'string' },
      'big-keys': { type: 'string' },
      runs: { type: 'string' },
      'no-build': { type: 'boolean' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const figures = await runMapBench({
    nodes: num(values.nodes),
    keys: num(values.keys),
    bigKeys: num(values['big-keys']),
    runs: num(values.runs),
    build: values['no-build'] !== true,
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n\n${formatMapFigures(figures)}\n`);
}
