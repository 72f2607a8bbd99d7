/**
 * From facts to causes: the rules of the diagnosis, pure and unit-tested. Every cause names its
 * nodes, says in plain words what is wrong, and carries a fix the UI and CLI can run.
 *
 * PROVISIONAL_KEY_LOST vs KEY_UNKNOWN. Both mean: no node that answered holds the key, neither
 * approved nor provisional. A provisional key lives only in the memory of the node that created it,
 * so once that node restarted nothing on the network can show it ever existed. We therefore call it
 * PROVISIONAL_KEY_LOST only on evidence from outside the nodes that a friendship was made with this
 * key, and KEY_UNKNOWN otherwise:
 *   1. the key is tracked in the cluster definition (someone recorded the friendship's key here), or
 *   2. the pasted error text speaks of a friendship, a provisional key or a project relationship, or
 *   3. the audit log has an entry for this key (an approval or registration was attempted).
 */
import type { Cause, CauseCode, Fix, NodeKeyState, ParsedErrorText } from '../../../shared/diagnose.ts';
import { BALANCER_ID, CAUSE_CODES, TIMESTAMP_WINDOW_SECONDS } from '../../../shared/diagnose.ts';
import { ErrorCode } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ClusterKind } from '../../../shared/model.ts';
import { LOADS_AT_START, refreshesRegistry, staleFailure } from '../../../shared/provider-words.ts';

/** What the diagnosis learnt about one node, as the rules need it. */
export interface NodeFacts {
  id: string;
  state: NodeKeyState;
  clockSkewSeconds: number | null;
  error: ErrorInfo | null;
  /** The fingerprint of a refused certificate. */
  fingerprint256: string | null;
  subject: string | null;
}

export interface BalancerFacts {
  reachable: boolean;
  state: 'ok' | 'down' | 'tls-untrusted' | 'error';
  error: ErrorInfo | null;
  fingerprint256: string | null;
  subject: string | null;
  sticky: boolean | null;
  /** The node our session cookie belonged to, and the other nodes that answered with it. */
  stickyEvidence: { cookieOf: string; wentTo: string[] } | null;
}

export interface CauseInput {
  cluster: string;
  /** The product: what a stale node's requests fail with, and whether sync or a restart fixes it (default sandbox). */
  kind?: ClusterKind;
  key: string;
  nodes: NodeFacts[];
  balancer: BalancerFacts | null;
  secretChecked: boolean;
  /** Reasons to believe a friendship was made with this key (see the header); empty: none. */
  friendshipEvidence: string[];
  errorText: ParsedErrorText | null;
}

export interface CauseOutput {
  causes: Cause[];
  notices: string[];
}

const SEVERITY: Record<CauseCode, Cause['severity']> = {
  PROVISIONAL_KEY_LOST: 'error',
  KEY_UNKNOWN: 'error',
  WRONG_SECRET: 'error',
  KEY_PROVISIONAL: 'error',
  REGISTRY_STALE: 'error',
  CLOCK_SKEW: 'error',
  BALANCER_NOT_STICKY: 'error',
  REQUEST_TOKEN_EXPIRED: 'warning',
  NODE_DOWN: 'warning',
  TLS_UNTRUSTED: 'warning',
  HEALTHY: 'ok',
};

/** `node1`, `node1 and node2`, `node1, node2 and node3`. */
export function listNodes(ids: readonly string[]): string {
  if (ids.length <= 1) return ids[0] ?? '';
  return `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

const these = (ids: readonly string[], one: string, many: string) => (ids.length === 1 ? one : many);

/** Why a node could not be asked about the key, in the console's words. */
const UNCHECKED_WORDS: Partial<Record<NodeKeyState, string>> = {
  down: 'down',
  'tls-untrusted': 'untrusted certificate',
  error: 'error',
  'clock-skew': 'clock skew',
};

export function makeCause(code: CauseCode, nodes: string[], message: string, fix: Fix | null, likely = false): Cause {
  return { code, severity: SEVERITY[code], nodes, message, fix, likely };
}

/** Most severe first (the order of {@link CAUSE_CODES}); likely ones first among equals; stable. */
export function sortCauses(causes: Cause[]): Cause[] {
  return causes
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        CAUSE_CODES.indexOf(a.c.code) - CAUSE_CODES.indexOf(b.c.code) ||
        Number(b.c.likely) - Number(a.c.likely) ||
        a.i - b.i,
    )
    .map((x) => x.c);
}

export function describeSkew(seconds: number): string {
  return `${Math.abs(seconds)} s ${seconds >= 0 ? 'ahead' : 'behind'}`;
}

export function clockSkewCause(cluster: string, node: string, skew: number | null): Cause {
  if (skew === null) {
    return makeCause(
      'CLOCK_SKEW',
      [node],
      `${node} refuses our timestamps (timestamp_refused): its clock differs from ours by more than ${TIMESTAMP_WINDOW_SECONDS} s (its Date header did not say by how much). Fix time synchronisation (NTP) on ${node}.`,
      null,
    );
  }
  return makeCause(
    'CLOCK_SKEW',
    [node],
    `${node}'s clock is ${describeSkew(skew)} (the limit is ±${TIMESTAMP_WINDOW_SECONDS} s): it refuses every signed request with timestamp_refused. Fix time synchronisation (NTP) on ${node}.`,
    { action: 'fix-clock', args: { cluster, node, offsetSeconds: skew } },
  );
}

export function tlsCause(cluster: string, node: string, fingerprint256: string | null, subject: string | null): Cause {
  const who = node === BALANCER_ID ? 'The balancer' : node;
  const cert = fingerprint256 ? ` (SHA-256 ${fingerprint256}${subject ? `, subject ${subject}` : ''})` : '';
  return makeCause(
    'TLS_UNTRUSTED',
    [node],
    `${who} presented a certificate this tool does not trust${cert}, so it could not be checked. Compare the fingerprint with the server's administrator, then trust the certificate (or add the cluster's CA bundle).`,
    fingerprint256 ? { action: 'trust-certificate', args: { cluster, node, fingerprint256 } } : null,
  );
}

export function nodeDownCause(nodes: { id: string; error: ErrorInfo | null }[]): Cause {
  const ids = nodes.map((n) => n.id);
  const reasons = nodes
    .map((n) => `${n.id === BALANCER_ID ? 'the balancer' : n.id}: ${n.error?.message ?? 'no answer'}`)
    .join('; ');
  const balancerOnly = ids.length === 1 && ids[0] === BALANCER_ID;
  // A login page is an answer: a proxy or single sign-on in front of the provider, or the wrong URL.
  const login = nodes.filter((n) => n.error?.code === ErrorCode.LOGIN_PAGE).map((n) => n.id);
  const onlyLogin = login.length === ids.length;
  const nodeIds = ids.filter((i) => i !== BALANCER_ID);
  const message = balancerOnly
    ? onlyLogin
      ? `The balancer answered with a login page instead of the provider (${reasons}): a proxy or single sign-on sits in front of it, or the balancer URL is wrong; consumers that go through it cannot reach the provider.`
      : `The balancer cannot be reached (${reasons}): consumers cannot reach the provider at all.`
    : onlyLogin
      ? `${listNodes(nodeIds)} answered with a login page instead of the provider (${reasons}): a proxy or single sign-on sits in front of ${these(nodeIds, 'it', 'them')}, or ${these(nodeIds, 'its', 'their')} URL is wrong. Requests the balancer sends there fail; the key's state there is unknown.`
      : `${listNodes(nodeIds)} cannot be reached or does not answer as a provider (${reasons}).${login.length ? ` ${listNodes(login)} answered with a login page (a proxy or single sign-on in front, or the wrong URL).` : ''} Requests the balancer sends there fail until ${these(ids, 'it is', 'they are')} back; the key's state there is unknown.`;
  return makeCause('NODE_DOWN', ids, message, null);
}

export function balancerNotStickyCause(
  cluster: string,
  cookieOf: string | null,
  wentTo: string[],
  lead?: string,
): Cause {
  const fix: Fix = { action: 'enable-affinity', args: { cluster } };
  const nodes = uniq([...(cookieOf ? [cookieOf] : []), ...wentTo]);
  if (lead)
    return makeCause(
      'BALANCER_NOT_STICKY',
      nodes,
      `${lead}: enable session affinity on the balancer (sticky sessions on the JSESSIONID clone id), so that every leg of a consumer's OAuth dance reaches the node that holds its token.`,
      fix,
    );
  const how =
    cookieOf && wentTo.length
      ? `with the session cookie of ${cookieOf}, requests still went to ${listNodes(wentTo)}`
      : 'the legs of the dance went to different nodes';
  return makeCause(
    'BALANCER_NOT_STICKY',
    nodes,
    `The balancer does not keep a client on one node: ${how}. Request tokens live on the node that issued them, so a three-legged OAuth dance whose legs land on different nodes fails. Enable session affinity on the balancer (sticky sessions on the JSESSIONID clone id).`,
    fix,
  );
}

export function requestTokenExpiredCause(cluster: string, key: string, nodes: string[], detail?: string): Cause {
  return makeCause(
    'REQUEST_TOKEN_EXPIRED',
    nodes,
    `${detail ?? 'The request token expired'}: a request token is valid for 10 minutes after it is issued, and more time passed before it was authorized and exchanged (or the node's clock jumped). Start the OAuth flow again and authorize within 10 minutes.`,
    { action: 'restart-flow', args: { cluster, key } },
  );
}

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}

const LOADED: NodeKeyState[] = ['approved', 'loaded', 'wrong-secret'];

/** The causes that the facts support, most severe first, plus notices for what could not be decided. */
export function decideCauses(input: CauseInput): CauseOutput {
  const causes: Cause[] = [];
  const notices: string[] = [];
  causes.push(...reachabilityCauses(input));
  clockFindings(input, causes, notices);
  const loaded = input.nodes.filter((n) => LOADED.includes(n.state)).map((n) => n.id);
  causes.push(...keyCauses(input, loaded));
  causes.push(...balancerCauses(input));
  if (input.errorText) errorTextFindings(input, input.errorText, loaded, causes, notices);
  return conclude(input, sortCauses(causes), notices);
}

/** Nodes that could not be asked. */
function reachabilityCauses({ cluster, nodes }: CauseInput): Cause[] {
  const causes: Cause[] = [];
  const unreachable = nodes.filter((n) => n.state === 'down' || n.state === 'error');
  if (unreachable.length) causes.push(nodeDownCause(unreachable));
  for (const n of nodes.filter((x) => x.state === 'tls-untrusted'))
    causes.push(tlsCause(cluster, n.id, n.fingerprint256, n.subject));
  return causes;
}

/** Clocks: beyond the window every signed request fails there, whatever the key's state. */
function clockFindings({ cluster, nodes }: CauseInput, causes: Cause[], notices: string[]): void {
  for (const n of nodes) {
    const skewed = n.clockSkewSeconds !== null && Math.abs(n.clockSkewSeconds) > TIMESTAMP_WINDOW_SECONDS;
    if (skewed || n.state === 'clock-skew') causes.push(clockSkewCause(cluster, n.id, n.clockSkewSeconds));
    else if (n.clockSkewSeconds !== null && Math.abs(n.clockSkewSeconds) > TIMESTAMP_WINDOW_SECONDS * 0.8) {
      notices.push(
        `${n.id}'s clock is ${describeSkew(n.clockSkewSeconds)}: close to the ±${TIMESTAMP_WINDOW_SECONDS} s limit; consumers whose own clocks are off the other way will be refused.`,
      );
    }
  }
}

/** The key itself: a wrong secret, a provisional key, a stale registry, or no node that knows it. */
function keyCauses(input: CauseInput, loaded: string[]): Cause[] {
  const { cluster, key, nodes } = input;
  const causes: Cause[] = [];
  const provisional = nodes.filter((n) => n.state === 'provisional').map((n) => n.id);
  const missing = nodes.filter((n) => n.state === 'missing').map((n) => n.id);
  const wrongSecret = nodes.filter((n) => n.state === 'wrong-secret').map((n) => n.id);

  if (wrongSecret.length) {
    causes.push(
      makeCause(
        'WRONG_SECRET',
        wrongSecret,
        `Key ${key} is loaded on ${listNodes(wrongSecret)}, but a request signed with the given secret fails there with signature_invalid: the secret does not match the one the provider holds. Re-enter the secret on the consumer (or here, if the stored one is wrong).`,
        { action: 'reenter-secret', args: { cluster, key } },
      ),
    );
  }
  for (const node of provisional) {
    const then = !missing.length
      ? ''
      : refreshesRegistry(input.kind ?? 'sandbox')
        ? ` Afterwards refresh ${listNodes(missing)} (sync) so the balancer can send the consumer there.`
        : ` Afterwards restart ${listNodes(missing)} (${LOADS_AT_START}) so the balancer can send the consumer there.`;
    causes.push(
      makeCause(
        'KEY_PROVISIONAL',
        [node],
        `Key ${key} is a provisional key in the memory of ${node} only; it has not been approved. Approve it on ${node} itself: approving through another node fails, and a restart of ${node} before approval loses the key.${then}`,
        { action: 'approve', args: { cluster, key, node } },
      ),
    );
  }
  if (loaded.length && missing.length) {
    const kind = input.kind ?? 'sandbox';
    const fix = refreshesRegistry(kind)
      ? `Refresh ${these(missing, 'that node', 'those nodes')} (sync: log in to each node) to reload ${these(missing, 'its', 'their')} registry from the repository.`
      : `Restart ${these(missing, 'that node', 'those nodes')}: ${LOADS_AT_START}, so no refresh can help.`;
    causes.push(
      makeCause(
        'REGISTRY_STALE',
        missing,
        `Key ${key} is approved and loaded on ${listNodes(loaded)}, but not on ${listNodes(missing)}: requests the balancer sends to ${listNodes(missing)} fail with ${staleFailure(kind)}. ${fix}`,
        refreshesRegistry(kind) ? { action: 'sync', args: { cluster } } : null,
      ),
    );
  }
  if (!loaded.length && !provisional.length && missing.length) causes.push(keyNowhereCause(input, missing));
  return causes;
}

/** No node that answered holds the key: lost (on evidence of a friendship) or unknown (see the header). */
function keyNowhereCause(input: CauseInput, missing: string[]): Cause {
  const { cluster, key, nodes } = input;
  const unchecked = nodes
    .filter((n) => !LOADED.includes(n.state) && n.state !== 'provisional' && n.state !== 'missing')
    .map((n) => n.id);
  const caveat = unchecked.length ? ` (${listNodes(unchecked)} could not be checked.)` : '';
  if (input.friendshipEvidence.length) {
    return makeCause(
      'PROVISIONAL_KEY_LOST',
      missing,
      `Key ${key} is unknown on every node that answered (${listNodes(missing)}), though a friendship was made with it (${input.friendshipEvidence.join('; ')}). A provisional key lives only in the memory of the node that created it, so a restart of that node before approval loses it. Register the consumer by hand with this key and its secret, then sync.${caveat}`,
      { action: 'register', args: { cluster, key } },
    );
  }
  if (unchecked.length) {
    // Issue 18, defect 16: "no node knows it" is only true of the nodes that answered; say what is known.
    const why = unchecked.map((id) => `${id}: ${UNCHECKED_WORDS[nodes.find((n) => n.id === id)!.state] ?? 'error'}`);
    return {
      ...makeCause(
        'KEY_UNKNOWN',
        missing,
        `Key ${key} is unknown on ${listNodes(missing)} (${these(missing, 'it answers', 'they answer')} consumer_key_unknown), but ${listNodes(unchecked)} could not be checked (${why.join('; ')}), so whether ${these(unchecked, 'it knows', 'they know')} the key is not known. Make ${these(unchecked, 'that node', 'those nodes')} answer (trust the certificate, or bring the node up), then diagnose again. If no node knows the key, check it in the consumer's configuration, or register the consumer with this key and its secret.`,
        { action: 'register', args: { cluster, key } },
      ),
      unchecked,
    };
  }
  return makeCause(
    'KEY_UNKNOWN',
    missing,
    `No node knows key ${key} (${listNodes(missing)} answered consumer_key_unknown), and nothing shows a friendship was made with it. Check the key in the consumer's configuration, or register the consumer with this key and its secret. If it was approved moments ago through another tool, sync and diagnose again.`,
    { action: 'register', args: { cluster, key } },
  );
}

/** The balancer: unreachable, untrusted, or not keeping a client on one node. */
function balancerCauses({ cluster, balancer }: CauseInput): Cause[] {
  if (!balancer) return [];
  const causes: Cause[] = [];
  if (balancer.state === 'tls-untrusted')
    causes.push(tlsCause(cluster, BALANCER_ID, balancer.fingerprint256, balancer.subject));
  else if (balancer.state === 'down' || balancer.state === 'error')
    causes.push(nodeDownCause([{ id: BALANCER_ID, error: balancer.error }]));
  if (balancer.sticky === false)
    causes.push(
      balancerNotStickyCause(cluster, balancer.stickyEvidence?.cookieOf ?? null, balancer.stickyEvidence?.wentTo ?? []),
    );
  return causes;
}

/** What the pasted error adds: causes no probe can see, and doubts about the ones it names. */
function errorTextFindings(
  input: CauseInput,
  errorText: ParsedErrorText,
  loaded: string[],
  causes: Cause[],
  notices: string[],
): void {
  const { cluster, key, balancer } = input;
  const s = errorText.signals;
  if (s.includes('token-expired')) {
    causes.push(
      requestTokenExpiredCause(
        cluster,
        key,
        errorText.mentionedNodes,
        'The pasted error says the request token expired',
      ),
    );
  }
  if (
    s.includes('token-unknown') ||
    s.includes('permission-unknown') ||
    s.includes('not-authorized-through-balancer')
  ) {
    if (balancer?.sticky === true) {
      notices.push(
        'The pasted error says a node did not know the token, but the balancer keeps a session on one node now: the node may have restarted between the legs, or the token was used twice.',
      );
    } else if (!balancer || balancer.sticky === null) {
      notices.push(
        'The pasted error says a node did not know the token (the legs went to different nodes?); whether the balancer keeps a session on one node could not be checked. Run the flow tester through the balancer.',
      );
    }
  }
  if (s.includes('timestamp') && !causes.some((c) => c.code === 'CLOCK_SKEW')) {
    notices.push(
      `The pasted error says timestamp_refused, but no node's clock is off by more than ${TIMESTAMP_WINDOW_SECONDS} s now: the consumer's own clock is probably wrong (or a node's clock was corrected since).`,
    );
  }
  if (s.includes('signature') && !input.secretChecked) {
    notices.push(
      'The pasted error says signature_invalid: give the consumer secret to check whether it matches (WRONG_SECRET cannot be told without it).',
    );
  }
  if (
    s.includes('signature') &&
    input.secretChecked &&
    !causes.some((c) => c.code === 'WRONG_SECRET') &&
    loaded.length
  ) {
    notices.push(
      'The pasted error says signature_invalid, but the given secret verifies on every node that has the key: the consumer holds another secret than the one given here.',
    );
  }
  if (errorText.userDenied)
    notices.push(
      'The pasted error shows that the user chose Deny on the authorize page: a choice, not a failure of the server.',
    );
  for (const c of causes) if (errorText.likelyCauses.includes(c.code)) c.likely = true;
}

/** Nothing found: healthy when every node accepts the key, else say the diagnosis is inconclusive. */
function conclude({ key, nodes, balancer }: CauseInput, sorted: Cause[], notices: string[]): CauseOutput {
  const healthy = nodes.length > 0 && nodes.every((n) => n.state === 'approved' || n.state === 'loaded');
  if (!sorted.length && healthy) {
    const unchecked = nodes.some((n) => n.state === 'loaded')
      ? ' (the secret was not checked: no secret was given)'
      : '';
    sorted.push(
      makeCause(
        'HEALTHY',
        nodes.map((n) => n.id),
        `Every node (${listNodes(nodes.map((n) => n.id))}) accepts key ${key}${unchecked}${balancer?.sticky ? ', and the balancer keeps a session on one node' : ''}.`,
        null,
      ),
    );
  } else if (!sorted.length) {
    notices.push(`The diagnosis is inconclusive: ${nodes.map((n) => `${n.id} is ${n.state}`).join(', ')}.`);
  }
  return { causes: sorted, notices };
}
