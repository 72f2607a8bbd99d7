/**
 * The cluster map as a picture (issue 23): pure functions from the cluster's one state (the slots of
 * renderer/lib/cluster-view.svelte.ts, the last status, the sync rows) to what the map draws. The
 * picture, its hover card and its text alternative (the list for screen readers) all take their
 * words from {@link nodeFacts}, so they cannot say different things; {@link mapLayout} places the
 * consumers, the balancer and every node in CSS pixels for the width the map has; {@link mapSummary}
 * is the one line above the picture and its one button.
 */
import { CONSUMER_STATES } from '../../shared/model.ts';
import type { BalancerStatus, ClusterKind, ClusterStatus, ConsumerState, NodeStatus } from '../../shared/model.ts';
import {
  healthOfNodes,
  healthOfStatus,
  provisionalOn,
  SKEW_CRITICAL_SECONDS,
  SKEW_WARNING_SECONDS,
} from '../../shared/health.ts';
import type { HealthVerdict } from '../../shared/health.ts';
import { refreshesRegistry, staleFailure } from '../../shared/provider-words.ts';
import { balancerFailureWords } from '../../shared/failure-words.ts';
import { formatLatency, formatSkew, isUntrustedError, shown, STATE_WORDS } from './words.ts';
import type { SyncRowState } from './sync-run.svelte.ts';

/** What one node is, worst thing first: the headline of its mark on the map. */
export type NodeHeadline =
  | 'down'
  | 'untrusted'
  | 'stale'
  | 'bad-secret'
  | 'clock-skew'
  | 'provisional'
  | 'error'
  | 'clock-drift'
  | 'checking'
  | 'unchecked'
  | 'up';

export type Tone = 'good' | 'wait' | 'bad' | 'unknown';

/** Each headline's glyph and word (never colour alone), its tone and its rank (0 is worst). */
export const HEADLINES: Record<NodeHeadline, { glyph: string; word: string; short: string; tone: Tone; rank: number }> =
  {
    down: { glyph: '✕', word: 'down', short: 'down', tone: 'bad', rank: 0 },
    untrusted: { glyph: '⊘', word: 'untrusted certificate', short: 'untrusted', tone: 'bad', rank: 1 },
    stale: { glyph: '▲', word: 'stale', short: 'stale', tone: 'bad', rank: 2 },
    'bad-secret': { glyph: '≠', word: 'wrong secret', short: 'wrong secret', tone: 'bad', rank: 3 },
    'clock-skew': { glyph: '◷', word: 'clock skew', short: 'clock skew', tone: 'bad', rank: 4 },
    provisional: { glyph: '◆', word: 'provisional here', short: 'provisional', tone: 'wait', rank: 5 },
    error: { glyph: '!', word: 'probe error', short: 'error', tone: 'bad', rank: 6 },
    'clock-drift': { glyph: '◔', word: 'clock drifts', short: 'clock drift', tone: 'wait', rank: 7 },
    checking: { glyph: '…', word: 'checking', short: 'checking', tone: 'unknown', rank: 8 },
    unchecked: { glyph: '?', word: 'not checked', short: 'not checked', tone: 'unknown', rank: 9 },
    up: { glyph: '✓', word: 'up', short: 'up', tone: 'good', rank: 10 },
  };

/** What a running sync does on a node right now, drawn on its line and its mark. */
export const SYNC_MARK: Partial<Record<SyncRowState, { glyph: string; word: string }>> = {
  waiting: { glyph: '⋯', word: 'sync waiting' },
  started: { glyph: '↻', word: 'syncing' },
  retrying: { glyph: '↻', word: 'sync retrying' },
};

/** A node as the map shows it; every field is text the picture, the hover card and the list share. */
export interface NodeFacts {
  id: string;
  headline: NodeHeadline;
  glyph: string;
  word: string;
  /** The word where only a few letters fit (the dense marks at 128 nodes): always a part of `word`. */
  short: string;
  tone: Tone;
  rank: number;
  /** "12 ms", "—". */
  latency: string;
  /** "+3 s", "unknown". */
  clock: string;
  /** Keys per state on this node, worst state first, only the states it has: "2 missing". */
  counts: { state: ConsumerState; word: string; count: number }[];
  /** Provisional keys this node holds that nobody tracks. */
  untracked: number;
  /** The worst key here by name, with its state's word; null when every key is approved (or none is tracked). */
  worstKey: { key: string; name: string; word: string } | null;
  /** The balancer sent its last answered request to this node. */
  lastSentHere: boolean;
  /** A running sync's step on this node (null: no sync works on it now). */
  sync: { glyph: string; word: string } | null;
  /** Short key summary: "9,998 approved · 2 missing". */
  keys: string;
  /** Every fact in one sentence, for the hover card's title, the mark's accessible name and the list. */
  sentence: string;
}

/** What {@link nodeFacts} needs of a slot (renderer/lib/cluster-view.svelte.ts `NodeSlot`). */
export interface SlotLike {
  id: string;
  status: NodeStatus | null;
  checking: boolean;
  missing: readonly { key: string }[];
  untracked: readonly string[];
}

const TONE_RANK: Record<Tone, number> = { bad: 0, wait: 1, unknown: 2, good: 3 };
/** Consumer states, worst first (a key's tone, then the vocabulary's order). */
const STATE_ORDER: ConsumerState[] = [...CONSUMER_STATES].sort(
  (a, b) =>
    TONE_RANK[STATE_WORDS[a].tone] - TONE_RANK[STATE_WORDS[b].tone] ||
    CONSUMER_STATES.indexOf(a) - CONSUMER_STATES.indexOf(b),
);
const STATE_RANK = Object.fromEntries(STATE_ORDER.map((s, i) => [s, i])) as Record<ConsumerState, number>;

const count = (n: number) => n.toLocaleString('en-US');
/** Names in the order a person reads them: "k7" before "k1007". */
const byName = new Intl.Collator('en', { numeric: true });

/*
 * Per node answer, cached: a node's answer is replaced whole when it changes (ClusterView keeps raw
 * state and copies what it patches), so a repaint after one node changes counts that node only.
 */
const tallyCache = new WeakMap<NodeStatus, Tally>();
interface WorstKey {
  key: string;
  state: ConsumerState;
  name: string;
}
interface Tally {
  names: ReadonlyMap<string, string>;
  /** How many keys of this node are in each state, indexed by the state's rank (worst first). */
  counts: number[];
  /** The worst key that is not approved, by the consumer's name as a person reads it. */
  worst: WorstKey | null;
}
const NO_NAMES: ReadonlyMap<string, string> = new Map();
const APPROVED = STATE_ORDER.indexOf('approved');

/** One pass over a node's keys: the counts per state and the worst key (cached per answer and names). */
function tallyOf(s: NodeStatus, names: ReadonlyMap<string, string>): Tally {
  const hit = tallyCache.get(s);
  if (hit && (hit.names === names || names === NO_NAMES)) return hit;
  const counts = STATE_ORDER.map(() => 0);
  let worst: WorstKey | null = null;
  let worstRank = STATE_ORDER.length;
  let approved = 0;
  for (const c of s.consumers) {
    // Nearly every key is approved: counted without a lookup.
    if (c.state === 'approved') {
      approved++;
      continue;
    }
    const rank = STATE_RANK[c.state];
    counts[rank]!++;
    if (rank > worstRank) continue;
    const name = names.get(c.key) ?? c.key;
    if (worst === null || rank < worstRank || byName.compare(name, worst.name) < 0) {
      worst = { key: c.key, state: c.state, name };
      worstRank = rank;
    }
  }
  counts[APPROVED] = approved;
  const tally = { names, counts, worst };
  tallyCache.set(s, tally);
  return tally;
}

/** The headline of one node: the worst thing about it, in the order of `status --check`. */
export function headlineOf(slot: SlotLike, names: ReadonlyMap<string, string> = NO_NAMES): NodeHeadline {
  const s = slot.status;
  if (!s) return slot.checking ? 'checking' : 'unchecked';
  if (!s.up) return isUntrustedError(s.error) ? 'untrusted' : 'down';
  if (slot.missing.length > 0) return 'stale';
  const { counts } = tallyOf(s, names);
  const badSecret = counts[STATE_RANK['bad-secret']]! > 0;
  const provisional = counts[STATE_RANK.provisional]! > 0;
  const error = counts[STATE_RANK.error]! > 0;
  if (badSecret) return 'bad-secret';
  const skew = Math.abs(s.clockSkewSeconds ?? 0);
  if (skew >= SKEW_CRITICAL_SECONDS) return 'clock-skew';
  if (provisional || (s.provisional?.length ?? 0) > 0) return 'provisional';
  if (error) return 'error';
  if (skew >= SKEW_WARNING_SECONDS) return 'clock-drift';
  return 'up';
}

/**
 * One node's facts from its slot. `names` maps a tracked key to its consumer's name; `sync` is the
 * running sync's row state for this node (null: none); `answeredBy` the node the balancer sent to.
 */
export function nodeFacts(
  slot: SlotLike,
  kind: ClusterKind,
  names: ReadonlyMap<string, string>,
  sync: SyncRowState | null = null,
  answeredBy: string | null = null,
): NodeFacts {
  const headline = headlineOf(slot, names);
  const h = HEADLINES[headline];
  const s = slot.status;
  const { counts: tally, worst } = s ? tallyOf(s, names) : { counts: [], worst: null };
  const counts = STATE_ORDER.flatMap((st, i) =>
    (tally[i] ?? 0) > 0 ? [{ state: st, word: STATE_WORDS[st].word, count: tally[i]! }] : [],
  );
  const keyParts = counts.map((c) => `${count(c.count)} ${c.word}`);
  if (slot.untracked.length > 0) keyParts.push(`${count(slot.untracked.length)} provisional not tracked`);
  const keys = !s ? '' : !s.up ? 'keys unknown' : keyParts.length ? keyParts.join(' · ') : 'no tracked key';
  const worstKey = worst ? { key: worst.key, name: shown(worst.name), word: STATE_WORDS[worst.state].word } : null;
  const syncMark = sync ? (SYNC_MARK[sync] ?? null) : null;
  const latency = formatLatency(s?.latencyMs ?? null);
  const clock = s ? formatSkew(s.clockSkewSeconds) : 'unknown';
  const lastSentHere = answeredBy === slot.id;

  const parts = [`${slot.id}: ${h.word}`];
  if (headline === 'stale') parts.push(`requests the balancer sends here will fail with ${staleFailure(kind)}`);
  if (s?.error && !s.up) parts.push(`${s.error.code}`);
  if (s?.up) parts.push(`${latency}`, `clock ${clock}`);
  if (keys) parts.push(keys);
  if (worstKey) parts.push(`worst key: ${worstKey.name} ${worstKey.word}`);
  if (lastSentHere) parts.push('the balancer sent its last request here');
  if (syncMark) parts.push(syncMark.word);
  return {
    id: slot.id,
    headline,
    glyph: h.glyph,
    word: h.word,
    short: h.short,
    tone: h.tone,
    rank: h.rank,
    latency,
    clock,
    counts,
    untracked: slot.untracked.length,
    worstKey,
    lastSentHere,
    sync: syncMark,
    keys,
    sentence: parts.join('; '),
  };
}

/** The nodes in the order the map draws them: worst first, then as the cluster defines them. */
export function worstFirst(facts: readonly NodeFacts[]): NodeFacts[] {
  return facts
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.rank - b.f.rank || a.i - b.i)
    .map(({ f }) => f);
}

// ---------------------------------------------------------------------------------------------------
// Layout

/** Full node cards at a few nodes, compact tiles at dozens, dense labelled marks beyond. */
export type MapMode = 'cards' | 'tiles' | 'marks';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MapLayout {
  mode: MapMode;
  width: number;
  /** Height of the drawing (in cards mode: the band above the cards; the cards hang below it). */
  height: number;
  cols: number;
  rows: number;
  balancer: Box;
  /** One box per consumer shown (at most {@link MAX_CONSUMERS}, the last may be "N more"). */
  consumers: Box[];
  /** Each node's box, in drawing order. */
  nodes: Box[];
  /** The horizontal wire of each row, and the trunk joining them. */
  buses: { y: number; x1: number; x2: number }[];
  trunk: { x: number; y1: number; y2: number };
}

/** Cards down to 170 px (a node panel open beside 3 of them at 1280 px): a narrow card stacks its facts. */
export const CARD = { minW: 170, maxW: 330, gap: 14, upTo: 8 } as const;
export const TILE = { w: 148, h: 56, gap: 10 } as const;
export const MARK = { minW: 72, h: 32, gap: 6 } as const;
/** Consumers drawn left of the balancer; more are summarised in the last box. */
export const MAX_CONSUMERS = 4;
/** Above this many nodes the tiles give way to marks. */
export const TILES_UP_TO = 40;

const TOP = 8;
const CONSUMER_H = 22;
const BALANCER = { w: 260, h: 58 };
/** Vertical room from the balancer's bottom to the first bus, and from a bus to its row. */
const DROP = 18;
const ROW_GAP = 16;
const GUTTER = 14;

/**
 * Where everything goes for `count` nodes in `width` CSS pixels with `consumers` consumers drawn.
 * Cards when they fit in one row, tiles up to {@link TILES_UP_TO} nodes, marks beyond.
 */
export function mapLayout(count: number, width: number, consumerCount: number): MapLayout {
  const w = Math.max(320, Math.floor(width));
  const shownConsumers = Math.min(consumerCount, MAX_CONSUMERS);
  const consumersH = Math.max(1, shownConsumers) * (CONSUMER_H + 4) - 4;
  const bandH = Math.max(BALANCER.h, consumersH);
  const balancer: Box = { x: Math.round((w - BALANCER.w) / 2), y: TOP, w: BALANCER.w, h: BALANCER.h };
  const consumerW = Math.min(170, Math.max(90, balancer.x - 60));
  const consumers: Box[] = Array.from({ length: shownConsumers }, (_, i) => ({
    x: Math.max(4, balancer.x - consumerW - 56),
    y: TOP + (bandH - consumersH) / 2 + i * (CONSUMER_H + 4),
    w: consumerW,
    h: CONSUMER_H,
  }));
  balancer.y = TOP + (bandH - BALANCER.h) / 2;
  const firstBus = TOP + bandH + DROP;
  const inner = w - 2 * GUTTER;

  const cardCols = Math.min(CARD.upTo, Math.floor((w - 8 + CARD.gap) / (CARD.minW + CARD.gap)));
  let mode: MapMode;
  let cellW: number;
  let cellH: number;
  let gap: number;
  let cols: number;
  if (count <= Math.max(1, cardCols)) {
    mode = 'cards';
    cols = Math.max(1, count);
    gap = CARD.gap;
    cellW = Math.min(CARD.maxW, Math.floor((w - 8 - (cols - 1) * gap) / cols));
    cellH = 0;
  } else if (count <= TILES_UP_TO) {
    mode = 'tiles';
    gap = TILE.gap;
    cols = Math.max(1, Math.min(count, Math.floor((inner + gap) / (TILE.w + gap))));
    // Fewer, fuller rows: as many columns as the rows need.
    cols = Math.ceil(count / Math.ceil(count / cols));
    cellW = Math.min(TILE.w + 40, Math.floor((inner - (cols - 1) * gap) / cols));
    cellH = TILE.h;
  } else {
    mode = 'marks';
    gap = MARK.gap;
    cols = Math.max(1, Math.min(count, Math.floor((inner + gap) / (MARK.minW + gap))));
    cols = Math.ceil(count / Math.ceil(count / cols));
    cellW = Math.floor((inner - (cols - 1) * gap) / cols);
    cellH = MARK.h;
  }
  const rows = count === 0 ? 0 : Math.ceil(count / cols);
  const rowW = cols * cellW + (cols - 1) * gap;
  const x0 = Math.round((w - rowW) / 2);
  const nodes: Box[] = [];
  const buses: MapLayout['buses'] = [];
  // Marks sit closer under their wires: 128 of them must fit one screen.
  const drop = mode === 'marks' ? 5 : DROP / 2;
  const rowPitch = cellH + drop + (mode === 'marks' ? 7 : ROW_GAP);
  for (let r = 0; r < rows; r++) {
    const busY = firstBus + r * rowPitch;
    const inRow = Math.min(cols, count - r * cols);
    for (let c = 0; c < inRow; c++) {
      nodes.push({ x: x0 + c * (cellW + gap), y: busY + drop, w: cellW, h: cellH });
    }
    const last = nodes[nodes.length - 1]!;
    buses.push({ y: busY, x1: rows > 1 ? x0 - GUTTER / 2 : nodes[r * cols]!.x + cellW / 2, x2: last.x + cellW / 2 });
  }
  const balancerX = balancer.x + balancer.w / 2;
  // One bus row: it runs from the first to the last node, and at least under the balancer.
  if (buses.length === 1) {
    buses[0]!.x1 = Math.min(buses[0]!.x1, balancerX);
    buses[0]!.x2 = Math.max(buses[0]!.x2, balancerX);
  } else if (buses.length > 1) {
    buses[0]!.x2 = Math.max(buses[0]!.x2, balancerX);
  }
  const trunk = {
    x: rows > 1 ? x0 - GUTTER / 2 : balancerX,
    y1: firstBus,
    y2: buses.at(-1)?.y ?? firstBus,
  };
  const height = mode === 'cards' ? firstBus + DROP / 2 : (nodes.at(-1)?.y ?? firstBus) + cellH + 6;
  return { mode, width: w, height, cols, rows, balancer, consumers, nodes, buses, trunk };
}

// ---------------------------------------------------------------------------------------------------
// The summary line

export type SummaryAction =
  | { do: 'sync'; label: 'Sync all nodes' }
  | { do: 'approve'; label: string; node: string; key: string }
  | { do: 'trust'; label: string; node: string }
  | { do: 'recheck'; label: 'Check again' };

export interface MapSummary {
  /** The tone of the line (for styling; the words carry the meaning). */
  health: 'consistent' | 'provisional' | 'warning' | 'drift' | 'down' | 'untrusted' | 'balancer' | 'unchecked';
  /** What is wrong, in the product's words, naming the nodes. */
  headline: string;
  /** The rest of the health sentence that the headline does not say (empty when nothing more). */
  detail: string;
  action: SummaryAction | null;
}

function names(ids: readonly string[], max = 3): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

/** "12 s ago", "3 min ago", "just now". */
export function agoWords(checkedAt: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(checkedAt)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 2) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/**
 * The one line above the picture: what is wrong, worst first, in the product's words, and the one
 * action that fixes it (or checks again, where the fix is by hand: a node started, a clock set).
 * `status` is the status every screen shows (ClusterView.shown); the sentence's parts come from
 * shared/health.ts so the line never says more or less than the header.
 */
export function mapSummary(
  status: ClusterStatus | null,
  kind: ClusterKind,
  now: number,
  verdict: HealthVerdict | null = status ? healthOfStatus(status) : null,
): MapSummary | null {
  if (!status || !verdict) return null;
  const parts = verdict.sentence.split('; ');
  const rest = (n: number) => parts.slice(n).join('; ');
  const balancer: BalancerStatus | undefined = status.balancer;
  if (balancer && !balancer.up) {
    const words = balancerFailureWords(balancer.error).words;
    const untrusted = isUntrustedError(balancer.error);
    const nodes = healthOfNodes(status);
    return {
      health: 'balancer',
      headline: `the balancer ${words}: consumers reach no node through it`,
      detail: nodes.health === 'consistent' ? `the nodes themselves: ${nodes.sentence}` : nodes.sentence,
      action: untrusted
        ? { do: 'trust', label: 'Trust certificate of the balancer…', node: 'balancer' }
        : { do: 'recheck', label: 'Check again' },
    };
  }
  const up = status.nodes.filter((n) => n.up);
  switch (verdict.health) {
    case 'consistent': {
      const n = status.nodes.length;
      const ago = agoWords(status.checkedAt, now);
      return {
        health: 'consistent',
        headline: `all ${n} node${n === 1 ? '' : 's'} consistent${ago ? `, checked ${ago}` : ''}`,
        detail: '',
        action: null,
      };
    }
    case 'balancer': // said above, before the nodes' own health
    case 'down':
      return { health: 'down', headline: parts[0]!, detail: rest(1), action: { do: 'recheck', label: 'Check again' } };
    case 'untrusted': {
      const node = status.nodes.find((n) => !n.up && isUntrustedError(n.error))!;
      return {
        health: 'untrusted',
        headline: parts[0]!,
        detail: rest(1),
        action: { do: 'trust', label: `Trust certificate of ${node.id}…`, node: node.id },
      };
    }
    case 'drift': {
      const stale = [...new Set(status.drift.flatMap((d) => d.missingOn))];
      if (stale.length > 0) {
        const lyo = !refreshesRegistry(kind);
        return {
          health: 'drift',
          headline: `${names(stale)} will fail with ${staleFailure(kind)}${lyo ? ` until ${stale.length === 1 ? 'it is' : 'they are'} restarted` : ''}`,
          detail: verdict.sentence,
          action: lyo ? null : { do: 'sync', label: 'Sync all nodes' },
        };
      }
      return { health: 'drift', headline: parts[0]!, detail: rest(1), action: { do: 'recheck', label: 'Check again' } };
    }
    case 'provisional': {
      const holders = up.filter((n) => provisionalOn(n).length > 0);
      const first = holders[0]!;
      return {
        health: 'provisional',
        headline: `a provisional key waits on ${names(holders.map((n) => n.id))}${holders.length === 1 ? ' only' : ''}`,
        detail: rest(1),
        action: { do: 'approve', label: `Approve on ${first.id}`, node: first.id, key: provisionalOn(first)[0]! },
      };
    }
    case 'warning':
      return { health: 'warning', headline: parts[0]!, detail: rest(1), action: null };
  }
}
