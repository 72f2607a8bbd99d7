/**
 * One signed request-token call for the diagnosis, to a node or through the balancer. Unlike the
 * status probe it can sign with the node's own time (to see a key's state past a skewed clock) and
 * can carry a session cookie (to test the balancer's session affinity).
 * @see RFC 5849 §2.1 (temporary credentials)
 */
import type { NodeKeyState } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { toErrorInfo } from '../../../shared/errors.ts';
import type { Exchange } from '../../../shared/model.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { readProblem, stateFromAnswer } from '../oauth/problem.ts';
import { signRequest } from '../oauth/rfc5849.ts';
import { clockSkewSeconds, stateFromError } from '../probe.ts';
import { answeredBy } from './cookies.ts';
import type { CookieJar } from './cookies.ts';
import { scrubExchange } from './scrub.ts';

export interface KeyProbeInput {
  http: HttpClient;
  /** Node id, or `balancer`: what errors name. */
  who: string;
  requestTokenUrl: string;
  key: string;
  /** Null: a dummy secret; `signature_invalid` then means the key is loaded. */
  secret: string | null;
  /** Seconds added to our clock for `oauth_timestamp` (the node's measured skew). */
  timestampOffsetSeconds?: number;
  /** Cookies to send (and to learn from); absent: none. */
  jar?: CookieJar;
}

export interface KeyProbe {
  state: NodeKeyState;
  problem: string | null;
  status: number | null;
  latencyMs: number | null;
  clockSkewSeconds: number | null;
  answeredBy: string | null;
  exchange: Exchange;
  error: ErrorInfo | null;
  response: HttpResponse | null;
}

/** The key's state from a request-token answer; `signature_invalid` with a dummy secret means loaded. */
function keyStateOf(res: HttpResponse, secretKnown: boolean): { state: NodeKeyState; problem: string | null } {
  const report = readProblem(res);
  const answer = stateFromAnswer(res.status, report, res.body);
  const problem =
    report.problem && report.productText
      ? `${report.problem} (${report.productText})`
      : (report.problem ?? report.productText ?? (answer === 'approved' ? null : `HTTP ${res.status}`));
  switch (answer) {
    case 'approved':
      return { state: 'approved', problem };
    case 'bad-secret':
      return {
        state: secretKnown ? 'wrong-secret' : 'loaded',
        problem: secretKnown
          ? problem
          : 'signature_invalid with a dummy secret: the key is loaded (the secret was not checked)',
      };
    case 'provisional':
      return { state: 'provisional', problem };
    case 'unknown':
      return { state: 'missing', problem };
    case 'clock-skew':
      return { state: 'clock-skew', problem };
    default:
      return { state: 'error', problem };
  }
}

export async function probeKey(input: KeyProbeInput): Promise<KeyProbe> {
  const offset = Math.round(input.timestampOffsetSeconds ?? 0);
  const signed = signRequest({
    method: 'POST',
    url: input.requestTokenUrl,
    consumerKey: input.key,
    consumerSecret: input.secret ?? '',
    extraOAuth: { oauth_callback: 'oob' },
    signatureMethod: 'HMAC-SHA1',
    timestamp: Math.floor(Date.now() / 1000) + offset,
  });
  const cookie = input.jar?.header() ?? null;
  const sentSession = input.jar?.sessionNode() ?? null;
  const headers: Record<string, string> = {
    authorization: signed.authorization,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/x-www-form-urlencoded, */*',
    ...(cookie ? { cookie } : {}),
  };
  const secrets = input.secret ? [input.secret] : [];
  const sentAt = Date.now();
  try {
    const res = await input.http.request({
      node: input.who,
      method: 'POST',
      url: input.requestTokenUrl,
      headers,
      body: '',
    });
    input.jar?.take(res.setCookies);
    const { state, problem } = keyStateOf(res, input.secret !== null);
    return {
      state,
      problem,
      status: res.status,
      latencyMs: res.latencyMs,
      clockSkewSeconds: clockSkewSeconds(res, sentAt),
      answeredBy: answeredBy(res.setCookies, sentSession),
      exchange: scrubExchange('POST', input.requestTokenUrl, headers, res, res.latencyMs, secrets),
      error: null,
      response: res,
    };
  } catch (e) {
    const down = stateFromError(e);
    return {
      state: down === 'down' || down === 'tls-untrusted' ? down : 'error',
      problem: null,
      status: null,
      latencyMs: null,
      clockSkewSeconds: null,
      answeredBy: null,
      exchange: scrubExchange('POST', input.requestTokenUrl, headers, null, Date.now() - sentAt, secrets),
      error: toErrorInfo(e),
      response: null,
    };
  }
}
