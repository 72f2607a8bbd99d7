/** The faults of the fault suite, one per node, and what each operation must say of that node. */
import { expect } from 'vitest';

export interface Fault {
  name: string;
  /** A fault server mode in front of the real node. */
  server?: string;
  /** The fault server speaks TLS with a certificate of a CA nobody trusts. */
  tls?: boolean;
  /** The real node is killed before the operation. */
  kill?: boolean;
  clockOffsetSeconds?: number;
  /** What the node's row in `status` must show. */
  status?: RegExp;
  /** What the node's row in the `sync` table must show. */
  sync?: RegExp;
  /** approve cannot read this node's key list: it must name the node. */
  unreachable?: boolean;
}

export const FAULTS: Fault[] = [
  { name: 'killed', kill: true, status: /NO .*NODE_UNREACHABLE/, sync: /NO .*NODE_UNREACHABLE/, unreachable: true },
  {
    name: 'accepts, never answers',
    server: 'hang',
    status: /NODE_TIMEOUT/,
    sync: /NO .*NODE_TIMEOUT/,
    unreachable: true,
  },
  {
    name: 'drips a byte a second',
    server: 'drip',
    status: /NODE_TIMEOUT/,
    sync: /NO .*NODE_TIMEOUT/,
    unreachable: true,
  },
  {
    name: 'HTML login page with 200',
    server: 'login-page',
    status: /LOGIN_PAGE/,
    sync: /NO .*LOGIN_PAGE/,
    unreachable: true,
  },
  {
    name: '5 MB with Content-Length',
    server: 'big-length',
    status: /RESPONSE_TOO_LARGE/,
    sync: /NO .*RESPONSE_TOO_LARGE/,
    unreachable: true,
  },
  {
    name: '5 MB chunked',
    server: 'big-chunked',
    status: /RESPONSE_TOO_LARGE/,
    sync: /NO .*RESPONSE_TOO_LARGE/,
    unreachable: true,
  },
  {
    name: 'malformed WWW-Authenticate',
    server: 'bad-www-authenticate',
    status: / yes .*UNEXPECTED_RESPONSE: .*not an OAuth answer/,
  },
  {
    name: 'unknown CA',
    server: 'pass',
    tls: true,
    status: /UNTRUSTED until .*TLS_UNTRUSTED/,
    sync: /NO .*TLS_UNTRUSTED/,
    unreachable: true,
  },
  // `Date` has whole seconds, so the skew read from it is honest to ±1 s: 3599, 3600 or 3601 are all right
  // (a fresh-clone CI run printed +3601 s).
  { name: 'clock an hour off', clockOffsetSeconds: 3600, status: /\+(3599|3600|3601) s/ },
  { name: '500 then 200', server: 'flaky-500', sync: /yes/ },
  {
    name: 'escape sequences and bidi in reason phrase, headers, body',
    server: 'hostile-text',
    status: /UNEXPECTED_STATUS/,
    sync: /NO .*UNEXPECTED_STATUS/,
    unreachable: true,
  },
  {
    name: 'a control byte in a header',
    server: 'control-header',
    status: /UNEXPECTED_RESPONSE: .*header/,
    sync: /NO .*UNEXPECTED_RESPONSE/,
    unreachable: true,
  },
  {
    name: 'connection reset',
    server: 'reset',
    status: /NODE_UNREACHABLE/,
    sync: /NO .*NODE_UNREACHABLE/,
    unreachable: true,
  },
];

/** The table row (or progress line) that starts with the node id. */
export function faultRow(text: string, id: string): string {
  return text
    .split('\n')
    .filter((l) => new RegExp(`^${id}\\b`).test(l))
    .join('\n');
}

export function expectNoStack(r: { stdout: string; stderr: string }): void {
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+|internal error|Internal error/);
}

/** No ESC, CR, C1 or bidi control reached the output (a visible `\u001b` is fine). */
export function expectNoRawControls(r: { stdout: string; stderr: string }): void {
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
}
