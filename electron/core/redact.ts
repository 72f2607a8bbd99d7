/**
 * Redaction of evidence before it leaves the engine (results, reports, logs): signatures, secrets,
 * token secrets, passwords and Basic credentials are replaced, never truncated.
 */
import type { Exchange } from '../../shared/model.ts';

export const REDACTED = '[redacted]';

const SECRET_PARAM =
  /\b(oauth_signature|oauth_token_secret|oauth_consumer_secret|consumerSecret|secret|password|passwd|j_password)(="|"\s*:\s*"|=)([^&"\s,<]*)/gi;

/** Redacts secret-bearing parameters inside form bodies, JSON, query strings and OAuth headers. */
export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let out = text.replace(SECRET_PARAM, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
  for (const s of knownSecrets) {
    if (s && s.length >= 3) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** Redacts a header map: Authorization (OAuth signature; Basic entirely), Cookie values, Set-Cookie. */
export function redactHeaders(
  headers: Record<string, string>,
  knownSecrets: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && /^\s*(basic|bearer)\b/i.test(value))
      out[name] = `${value.trim().split(/\s+/)[0]} ${REDACTED}`;
    else if (lower === 'cookie' || lower === 'set-cookie') out[name] = value.replace(/=([^;,\s]+)/g, `=${REDACTED}`);
    else if (lower === 'x-csrf-prevent') out[name] = REDACTED;
    else out[name] = redactText(value, knownSecrets);
  }
  return out;
}

export function redactExchange(x: Exchange, knownSecrets: readonly string[] = []): Exchange {
  return {
    ...x,
    request: {
      ...x.request,
      url: redactText(x.request.url, knownSecrets),
      headers: redactHeaders(x.request.headers, knownSecrets),
      ...(x.request.body !== undefined ? { body: redactText(x.request.body, knownSecrets) } : {}),
    },
    response: x.response && {
      ...x.response,
      headers: redactHeaders(x.response.headers, knownSecrets),
      body: redactText(x.response.body.slice(0, 4096), knownSecrets),
    },
  };
}

/** The clone id a WebSphere-style session cookie carries (`JSESSIONID=0000abc:node2` → `node2`). */
export function cloneIdFromCookies(setCookies: readonly string[]): string | null {
  for (const c of setCookies) {
    const m = /^\s*JSESSIONID=[^;:]*:([^;\s]+)/i.exec(c);
    if (m) return m[1] ?? null;
  }
  return null;
}
