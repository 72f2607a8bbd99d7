/**
 * Whether a response is the data a caller asked for, or a login page, or something else. Form-based
 * authentication answers an unauthenticated data request with HTML (200) or a redirect to a login
 * URL instead of a 401, so status alone does not tell.
 */
import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { requestLine } from './failures.ts';

/** The part of a response {@link expectData} looks at (an `HttpResponse` fits). */
export interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  body: string;
  url: string;
  method?: string;
  statusText?: string;
}

export type ExpectedData = 'json' | 'xml' | 'text';

/**
 * Paths that only a login step lives at: WebSphere/Liberty form login (`j_security_check`,
 * `login.jsp`, `logon.jsp`), Jazz (`/auth/authrequired`, `/auth/authfailed`,
 * `/authenticated/identity`), Jazz Authorization Server and Liberty OIDC
 * (`/oidc/endpoint/…/authorize`), and the generic `/login` and `/signin`.
 */
const LOGIN_URL =
  /(?:j_security_check|\/auth\/(?:authrequired|authfailed)|\/authenticated\/identity|\/(?:log[io]n|signin|sign-in)(?:\.jsp|\.html?|\.do|\.faces)?(?:[/?#;]|$)|\/oidc\/endpoint\/[^/]+\/authorize|[?&]auth_?required)/i;

/** Jazz answers unauthenticated requests with this header (and its login page as a 200). */
const JAZZ_AUTH_HEADER = 'x-com-ibm-team-repository-web-auth-msg';

function header(res: ResponseLike, name: string): string {
  return res.headers[name] ?? '';
}

function looksLikeHtml(res: ResponseLike): boolean {
  return (
    /html/i.test(header(res, 'content-type')) || /^\s*(?:<!doctype\s+html|<html[\s>])/i.test(res.body.slice(0, 2048))
  );
}

function hasPasswordInput(body: string): boolean {
  return /<input\b[^>]*\btype\s*=\s*["']?password\b/i.test(body);
}

/**
 * What gave the login page away, or null. For `text`, a page with a password field can be the very
 * page asked for (Lyo's OAuth admin page carries its own login dialog), so only the unambiguous
 * signals count there: a container login form action, a login redirect, the Jazz header.
 */
export function loginPageSignal(res: ResponseLike, accept: ExpectedData): string | null {
  if (/authrequired|authfailed/i.test(header(res, JAZZ_AUTH_HEADER)))
    return `header ${JAZZ_AUTH_HEADER}: ${header(res, JAZZ_AUTH_HEADER)}`;
  if (res.status >= 300 && res.status < 400) {
    const location = header(res, 'location');
    if (location && LOGIN_URL.test(location)) return `redirect to ${location.split('?')[0]}`;
    return null;
  }
  if (!looksLikeHtml(res)) return null;
  if (/j_security_check/i.test(res.body)) return 'a j_security_check login form';
  if (accept !== 'text' && hasPasswordInput(res.body)) return 'an HTML form with a password field';
  return null;
}

function statusText(res: ResponseLike): string {
  const text = res.statusText?.trim() || STATUS_CODES[res.status] || '';
  return text ? `${res.status} ${text}` : String(res.status);
}

function describe(res: ResponseLike): string {
  let url: URL;
  try {
    url = new URL(res.url);
  } catch {
    return res.url;
  }
  return requestLine(res.method ?? 'GET', url);
}

function looksLike(res: ResponseLike, accept: ExpectedData): boolean {
  const type = header(res, 'content-type').toLowerCase();
  const start = res.body.trimStart().slice(0, 64);
  if (start === '' && (res.status === 204 || res.status === 205)) return true;
  if (accept === 'json') return type.includes('json') || /^[[{]/.test(start);
  if (accept === 'xml')
    return (type.includes('xml') && !type.includes('html')) || (/^</.test(start) && !looksLikeHtml(res));
  return true;
}

const NAMES: Record<ExpectedData, string> = { json: 'JSON', xml: 'XML', text: 'text' };

/**
 * Throws unless `res` is a data answer: LOGIN_PAGE when a login form or a redirect to a login URL
 * came back, UNEXPECTED_STATUS for a status outside `okStatuses` (default 200), UNEXPECTED_RESPONSE
 * when an OK answer is not JSON/XML as asked (HTML error pages served with 200, for one).
 */
export function expectData(
  res: ResponseLike,
  node: string,
  accept: ExpectedData,
  okStatuses: readonly number[] = [200],
): void {
  const what = describe(res);
  const signal = loginPageSignal(res, accept);
  if (signal) {
    throw new AppError(
      ErrorCode.LOGIN_PAGE,
      `${node} answered ${what} with a login page where ${NAMES[accept]} was expected: the session is not logged in on that node (check the admin credentials)`,
      {
        node,
        details: {
          status: res.status,
          signal,
          ...(header(res, 'location') ? { location: header(res, 'location').split('?')[0] } : {}),
        },
      },
    );
  }
  if (!okStatuses.includes(res.status)) {
    throw new AppError(ErrorCode.UNEXPECTED_STATUS, `${node} answered ${statusText(res)} for ${what}`, {
      node,
      details: { status: res.status, expected: [...okStatuses] },
    });
  }
  if (!looksLike(res, accept)) {
    const type = header(res, 'content-type') || 'no content type';
    throw new AppError(
      ErrorCode.UNEXPECTED_RESPONSE,
      `${node} answered ${what} with ${type} where ${NAMES[accept]} was expected`,
      {
        node,
        details: { status: res.status, contentType: header(res, 'content-type') || null },
      },
    );
  }
}

/**
 * For the answer to an action (a login POST, a registry refresh, an approval): on top of
 * {@link expectData} with `text`, an HTML page with a password field is a login page, never the
 * answer (only a page asked for, such as Lyo's admin page with its own login dialog, may carry one).
 * A 200 login page is not a success.
 */
export function expectActionDone(res: ResponseLike, node: string, okStatuses: readonly number[] = [200]): void {
  expectData(res, node, 'text', okStatuses);
  if (looksLikeHtml(res) && hasPasswordInput(res.body)) {
    throw new AppError(
      ErrorCode.LOGIN_PAGE,
      `${node} answered ${describe(res)} with a login page (an HTML form with a password field): the action was not done (a proxy or single sign-on in front of the node, or the wrong URL)`,
      { node, details: { status: res.status, signal: 'an HTML form with a password field' } },
    );
  }
}
