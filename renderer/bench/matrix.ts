/**
 * The keys matrix at scale, for `npm run bench` (test/bench/matrix.ts): synthetic status of
 * ROWS consumers × COLS nodes (query `?rows=&cols=&keystrokes=&order=`), then with performance.mark/measure:
 * the first render (rows built, grid mounted, layout done) and each filter keystroke (the input
 * event through bind:value, the one filter pass, the grid's update and layout). The figures land in
 * `window.__matrixBench`.
 */
import { flushSync, mount } from 'svelte';
import type { NodeStatus, TrackedConsumer } from '../../shared/model.ts';
import { KeysMatrix } from '../lib/keys-matrix.svelte.ts';
import type { MatrixSource } from '../lib/keys-matrix.svelte.ts';
import MatrixBench from './matrix-bench.svelte';

export interface MatrixBenchResult {
  rows: number;
  cols: number;
  firstRenderMs: number;
  /** Median of the keystrokes, input event to layout done. */
  filterKeystrokeMs: number;
  keystrokesMs: number[];
  /** The slowest keystroke. */
  filterKeystrokeMaxMs: number;
  /** Cells in the DOM after the first render: the virtualization at work. */
  cellsInDom: number;
}

declare global {
  interface Window {
    __matrixBench?: MatrixBenchResult | { error: string };
  }
}

const q = new URLSearchParams(location.search);
const ROWS = Number(q.get('rows') ?? 10_000);
const COLS = Number(q.get('cols') ?? 64);
const KEYSTROKES = Number(q.get('keystrokes') ?? 15);
/** `order=shuffled`: the names in an order of their own, not the tracked order (the sort has work to do). */
const SHUFFLED = q.get('order') === 'shuffled';

/**
 * Every key approved on every node but a few: a provisional key here and there, a stale node per 97
 * keys. Each status and the tracked keys are structured-cloned, as they come over IPC: every node's
 * lists hold strings of their own, as in the app.
 */
function synthetic(): MatrixSource {
  const nodes = Array.from({ length: COLS }, (_, i) => `node${i + 1}`);
  const consumers: TrackedConsumer[] = Array.from({ length: ROWS }, (_, i) => ({
    key: `${(i * 2654435761) % 4294967296}`.padStart(10, '0') + `-k${i}`,
    name: `Consumer ${SHUFFLED ? (i * 7919) % ROWS : i} ${['RTC', 'RQM', 'DNG', 'GC', 'ETM'][i % 5]}`,
    hasSecret: true,
  }));
  const statuses: Record<string, NodeStatus> = {};
  nodes.forEach((id, n) => {
    const approved: string[] = [];
    const provisional: string[] = [];
    const probed: NodeStatus['consumers'] = [];
    consumers.forEach((c, i) => {
      if (i % 211 === n) provisional.push(c.key);
      else if (i % 97 === n % 7) probed.push({ key: c.key, state: 'unknown', problem: 'consumer_key_unknown' });
      else approved.push(c.key);
    });
    statuses[id] = structuredClone({
      id,
      url: `https://${id}.example.test:9443`,
      up: true,
      latencyMs: 4,
      clockSkewSeconds: 0,
      tls: null,
      consumers: probed,
      provisional,
      approved,
      error: null,
    });
  });
  return { nodes, statuses, consumers: structuredClone(consumers) };
}

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

async function run(): Promise<MatrixBenchResult> {
  const source = synthetic();
  const target = document.getElementById('bench')!;
  await nextFrame();
  // The statuses are old by the time the admin opens the Keys tab: collect what building them left
  // (test/bench/matrix.ts exposes gc), so that the figure is the matrix's and not that garbage's.
  (globalThis as { gc?: () => void }).gc?.();

  performance.mark('matrix:first-render:start');
  const matrix = new KeysMatrix(() => source);
  mount(MatrixBench, { target, props: { matrix } });
  flushSync();
  // Layout, so that the figure holds what the browser must do before it can paint the grid.
  void target.getBoundingClientRect().height;
  performance.mark('matrix:first-render:end');
  const first = performance.measure('matrix:first-render', 'matrix:first-render:start', 'matrix:first-render:end');
  // virtua measures its viewport after mount: let it settle before counting cells and typing.
  await nextFrame();
  await nextFrame();
  const cellsInDom = target.querySelectorAll('.keys-cell').length;

  const input = document.getElementById('filter') as HTMLInputElement;
  const typed = 'consumer 12 rtc';
  const times: number[] = [];
  for (let i = 0; i < KEYSTROKES; i++) {
    // Type the phrase one key at a time, then delete it again (a full list comes back: the worst case).
    const len = i % (typed.length * 2);
    const value = len < typed.length ? typed.slice(0, len + 1) : typed.slice(0, typed.length * 2 - len - 1);
    performance.mark(`matrix:keystroke:${i}:start`);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    void target.getBoundingClientRect().height;
    performance.mark(`matrix:keystroke:${i}:end`);
    times.push(
      performance.measure(`matrix:keystroke:${i}`, `matrix:keystroke:${i}:start`, `matrix:keystroke:${i}:end`).duration,
    );
    await nextFrame();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    rows: ROWS,
    cols: COLS,
    firstRenderMs: round(first.duration),
    filterKeystrokeMs: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    keystrokesMs: times.map(round),
    filterKeystrokeMaxMs: round(sorted.at(-1) ?? 0),
    cellsInDom,
  };
}

run().then(
  (result) => (window.__matrixBench = result),
  (e: unknown) => (window.__matrixBench = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
