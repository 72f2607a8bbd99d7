/**
 * The console's one vocabulary (../shared/UI.md "States and words"): every consumer state has a word
 * and a sentence, shown with an icon, never colour alone. Map chips and, later, the keys matrix use it.
 */
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ClusterKind, ConsumerState, NodeStatus, TlsInfo } from '../../shared/model.ts';
import { staleFailure } from '../../shared/provider-words.ts';
import { revealHidden } from '../../shared/network-text.ts';

export interface StateWord {
  /** The word on the chip. */
  word: string;
  /** What it means, for the chip's description and the node panel. */
  meaning: string;
  /** How bad it is, for styling (`data-tone`) only; the word carries the meaning. */
  tone: 'good' | 'wait' | 'bad' | 'unknown';
}

export const STATE_WORDS: Record<ConsumerState, StateWord> = {
  approved: { word: 'approved', meaning: 'approved and loaded on this node', tone: 'good' },
  provisional: { word: 'provisional', meaning: "only in this node's memory: approve it here", tone: 'wait' },
  unknown: { word: 'missing', meaning: 'not loaded here: stale registry (sync reloads it)', tone: 'bad' },
  'bad-secret': { word: 'wrong secret', meaning: 'loaded here, but the stored secret does not match', tone: 'bad' },
  'clock-skew': { word: 'clock skew', meaning: "refused: this node's clock is too far off", tone: 'bad' },
  down: { word: 'down', meaning: 'the node did not answer', tone: 'bad' },
  'tls-untrusted': {
    word: 'untrusted certificate',
    meaning: 'the node presented a certificate we do not trust',
    tone: 'bad',
  },
  'no-secret': { word: 'no secret', meaning: 'cannot tell: no secret is stored for this key', tone: 'unknown' },
  error: { word: 'error', meaning: 'the probe failed; see the node panel', tone: 'bad' },
};

/** The sentence a stale node always carries (a node missing an approved key), in its product's words. */
export function staleSentence(kind: ClusterKind): string {
  return `requests the balancer sends here will fail with ${staleFailure(kind)}`;
}

/** `+3 s`, `-120 s`, `0 s`; null when the node did not say. */
export function formatSkew(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  return `${seconds > 0 ? '+' : ''}${seconds} s`;
}

export function formatLatency(ms: number | null): string {
  return ms === null ? '—' : `${Math.round(ms)} ms`;
}

/** The TLS state of a node in words: plain http, verified, pinned, or untrusted. */
export function tlsWord(url: string, tls: TlsInfo | null, pinned: readonly string[] = []): string {
  if (url.startsWith('http:')) return 'no TLS (http)';
  if (!tls) return 'TLS not seen';
  if (tls.authorized) return 'TLS verified';
  return pinned.includes(tls.fingerprint256) ? 'TLS trusted by pin' : 'untrusted certificate';
}

/**
 * Text from a node or a file (key and consumer names, keys) as the console shows it: invisible and
 * direction-changing characters written as a marked `⟨U+202E⟩`, so `bidi\u202egnp.exe\u202c` cannot
 * pass for "bidiexe.png". shared/network-text.ts decides which characters, for the CLI too.
 */
export function shown(text: string): string {
  return revealHidden(text, 'console');
}

/** A long consumer key shortened for a chip; the full key is in the chip's title and the panel. */
export function shortKey(key: string): string {
  const text = shown(key);
  return text.length > 12 ? `${text.slice(0, 8)}…` : text;
}

/**
 * Where a secret typed in the console is kept, said the same way everywhere (the header, the login,
 * register and diagnose dialogs): the OS keychain, or, for the embedded sandbox where none is, memory.
 */
export function secretHome(inMemory: boolean): { where: string; sentence: string; store: string } {
  return inMemory
    ? {
        where: 'held in memory until the app closes',
        sentence: 'No OS keychain is available here: it is held in memory until the app closes',
        store: 'Hold in memory',
      }
    : {
        where: 'kept in the OS keychain',
        sentence: 'It is kept in the OS keychain',
        store: 'Store in the OS keychain',
      };
}

/**
 * A certificate's validity as a reader wants it: "6 Dec 2026 – 6 Dec 2027", each date kept on one line
 * (no-break spaces), from whatever the engine gave (ISO, or OpenSSL's "Dec  6 03:00:00 2026 GMT");
 * text that is no date is shown as it came.
 */
export function formatValidity(from: string | null | undefined, to: string | null | undefined): string {
  return `${formatCertDate(from)} – ${formatCertDate(to)}`;
}

export function formatCertDate(text: string | null | undefined): string {
  if (!text) return '?';
  const t = Date.parse(text);
  if (Number.isNaN(t)) return text;
  const d = new Date(t);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${d.getUTCDate()}\u00a0${month}\u00a0${d.getUTCFullYear()}`;
}

/** True for a refusal of the certificate presented (not trusted, or not the pinned one): the node answered TLS. */
export function isUntrustedError(error: ErrorInfo | null | undefined): boolean {
  return error?.code === 'TLS_UNTRUSTED';
}

/**
 * How a node stands at the last status: up, down (it did not answer), or refused for its certificate
 * (it answered, with a certificate this cluster does not trust: "untrusted certificate", not "down").
 */
export type NodeCondition = 'up' | 'down' | 'untrusted';

export const CONDITION_WORDS: Record<NodeCondition, string> = {
  up: 'up',
  down: 'down',
  untrusted: 'untrusted certificate',
};

export function nodeCondition(status: Pick<NodeStatus, 'up' | 'error'>): NodeCondition {
  if (status.up) return 'up';
  return isUntrustedError(status.error) ? 'untrusted' : 'down';
}
