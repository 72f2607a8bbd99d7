/**
 * The cluster map at scale, for `npm run bench` (test/bench/map.ts): a ClusterView (the console's own
 * state class) loaded through a synthetic Api with NODES nodes × KEYS tracked keys (query
 * `?nodes=&keys=&bigKeys=&repaints=`), then with performance.mark/measure:
 * - the first render of the Map (mounted, laid out: what the browser must do before it can paint);
 * - each repaint after one node's state changes (a status progress event replacing that node's answer);
 * - the Map of a 3-node cluster whose node holds BIG_KEYS keys, mounted and laid out (interactive).
 * The figures land in `window.__mapBench`.
 */
import { flushSync, mount, unmount } from 'svelte';
import type { Api } from '../../shared/contract.ts';
import { computeDrift } from '../../shared/drift.ts';
import type { ClusterDefinition, ClusterStatus, NodeStatus, TrackedConsumer } from '../../shared/model.ts';
import { ClusterView } from '../lib/cluster-view.svelte.ts';
import ClusterMap from '../components/cluster-map.svelte';

export interface MapBenchResult {
  nodes: number;
  keys: number;
  firstRenderMs: number;
  /** Median repaint, one node's state changed to layout done. */
  repaintMs: number;
  repaintsMs: number[];
  repaintMaxMs: number;
  bigKeys: number;
  /** The Map of a node holding `bigKeys` keys: mounted and laid out. */
  bigNodeInteractiveMs: number;
  /** Elements in the map after the first render (the keys are summarised, not listed). */
  elementsInMap: number;
  mode: string;
}

declare global {
  interface Window {
    __mapBench?: MapBenchResult | { error: string };
  }
}

const q = new URLSearchParams(location.search);
const NODES = Number(q.get('nodes') ?? 128);
const KEYS = Number(q.get('keys') ?? 10_000);
const BIG_KEYS = Number(q.get('bigKeys') ?? 50_000);
const REPAINTS = Number(q.get('repaints') ?? 15);

const NAMES = ['RTC', 'RQM', 'DOORS Next', 'GC', 'ETM'];

/**
 * Every key approved on every node but a few: a stale node in every 9 (a key in 97 missing), a
 * provisional key on node2, node3 down. Answers the definition and each node's status.
 */
function synthetic(nodeCount: number, keyCount: number) {
  const ids = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
  const consumers: TrackedConsumer[] = Array.from({ length: keyCount }, (_, i) => ({
    key: `${(i * 2654435761) % 4294967296}`.padStart(10, '0') + `-k${i}`,
    name: `Consumer ${i} ${NAMES[i % 5]}`,
    hasSecret: true,
  }));
  const statuses: NodeStatus[] = ids.map((id, n) => {
    const down = n === 2;
    return {
      id,
      url: `https://${id}.example.test:9443`,
      up: !down,
      latencyMs: down ? null : 4 + (n % 9),
      clockSkewSeconds: down ? null : 0,
      tls: null,
      consumers: down
        ? []
        : consumers.map((c, i) => ({
            key: c.key,
            state: n % 9 === 5 && i % 97 === 3 ? ('unknown' as const) : ('approved' as const),
            problem: null,
          })),
      provisional: down ? null : n === 1 ? ['provisional-key-1'] : [],
      approved: null,
      error: down ? { code: 'NODE_UNREACHABLE', message: 'connection refused' } : null,
    };
  });
  const definition: ClusterDefinition = {
    name: 'bench',
    kind: 'clearquest',
    balancerUrl: 'https://lb.example.test:9443',
    nodes: ids.map((id) => ({ id, label: id, url: `https://${id}.example.test:9443` })),
    repo: 'cqschema',
    db: 'SAMPL',
    caPem: null,
    pinnedFingerprints: [],
    timeouts: { connectMs: 5000, totalMs: 15000 },
    maxResponseBytes: 1024 * 1024,
    adminUser: 'admin',
    consumers,
  };
  return { definition, statuses };
}

/** A ClusterView loaded as the console loads it: the definition, then status with a progress event per node. */
async function loadedView(nodeCount: number, keyCount: number) {
  const { definition, statuses } = synthetic(nodeCount, keyCount);
  const status: ClusterStatus = {
    cluster: 'bench',
    kind: 'clearquest',
    checkedAt: new Date().toISOString(),
    nodes: statuses,
    drift: computeDrift(statuses, 'clearquest'),
    notices: [],
    balancer: {
      url: definition.balancerUrl,
      up: true,
      latencyMs: 5,
      answeredBy: 'node1',
      cloneId: 'c1',
      error: null,
    },
  };
  const api = {
    getCluster: async () => definition,
    status: async (_arg: unknown, opts?: { onProgress?: (e: { type: 'node'; node: NodeStatus }) => void }) => {
      for (const node of statuses) opts?.onProgress?.({ type: 'node', node });
      return status;
    },
  } as unknown as Api;
  const view = new ClusterView(api, {
    name: 'bench',
    kind: 'clearquest',
    balancerUrl: definition.balancerUrl,
    nodeCount,
    consumerCount: keyCount,
    adminUser: 'admin',
    embeddedSandbox: false,
  });
  await view.open();
  return { view, statuses };
}

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
const round = (ms: number) => Math.round(ms * 10) / 10;

function timed(name: string, work: () => void): number {
  performance.mark(`${name}:start`);
  work();
  performance.mark(`${name}:end`);
  return performance.measure(name, `${name}:start`, `${name}:end`).duration;
}

async function run(): Promise<MapBenchResult> {
  const target = document.getElementById('bench')!;
  const { view, statuses } = await loadedView(NODES, KEYS);
  await nextFrame();

  let app: Record<string, unknown> = {};
  const first = timed('map:first-render', () => {
    app = mount(ClusterMap, { target, props: { view } });
    flushSync();
    void target.getBoundingClientRect().height;
  });
  const elementsInMap = target.querySelectorAll('*').length;
  const mode = target.querySelector('.picture')?.getAttribute('data-mode') ?? '';
  await nextFrame();
  await nextFrame();

  // One node's answer replaced, as a status progress event does: down, then up again.
  const times: number[] = [];
  for (let i = 0; i < REPAINTS; i++) {
    const n = statuses[(i * 7 + 4) % statuses.length]!;
    const next: NodeStatus =
      i % 2 === 0
        ? { ...n, up: false, latencyMs: null, consumers: [], error: { code: 'NODE_TIMEOUT', message: 'no answer' } }
        : n;
    times.push(
      timed(`map:repaint:${i}`, () => {
        // As a status progress event does (renderer/lib/cluster-view.svelte.ts `refresh`).
        view.nodes = { ...view.nodes, [n.id]: next };
        flushSync();
        void target.getBoundingClientRect().height;
      }),
    );
    await nextFrame();
  }
  void unmount(app);
  await nextFrame();

  // A node with BIG_KEYS keys (a 3-node cluster): the Map must be usable at once.
  const big = await loadedView(3, BIG_KEYS);
  await nextFrame();
  const bigMs = timed('map:big-node', () => {
    app = mount(ClusterMap, { target, props: { view: big.view } });
    flushSync();
    void target.getBoundingClientRect().height;
  });
  const sorted = [...times].sort((a, b) => a - b);
  return {
    nodes: NODES,
    keys: KEYS,
    firstRenderMs: round(first),
    repaintMs: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    repaintsMs: times.map(round),
    repaintMaxMs: round(sorted.at(-1) ?? 0),
    bigKeys: BIG_KEYS,
    bigNodeInteractiveMs: round(bigMs),
    elementsInMap,
    mode,
  };
}

run().then(
  (result) => (window.__mapBench = result),
  (e: unknown) => (window.__mapBench = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
