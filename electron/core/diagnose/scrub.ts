/**
 * Redaction for everything the diagnosis, the flow tester and the report hand out: the engine's
 * exchange redaction (signatures, secrets, token secrets, passwords, cookies) plus tokens and
 * verifiers, which the flow tester handles and which are credentials too.
 */
import type { Exchange } from '../../../shared/model.ts';
import type { HttpResponse } from '../http/client.ts';
import { exchangeOf } from '../probe.ts';
import { redactExchange } from '../redact.ts';
import { redactPastedText } from './error-text.ts';

/** Redacts one text with every rule we have. */
export function scrubText(text: string, knownSecrets: readonly string[] = []): string {
  return redactPastedText(text, knownSecrets);
}

/** Applies {@link scrubText} to every string of an exchange (after the engine's own redaction). */
export function scrubRecordedExchange(x: Exchange, knownSecrets: readonly string[] = []): Exchange {
  const r = redactExchange(x, knownSecrets);
  const headers = (h: Record<string, string>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, scrubText(v, knownSecrets)]));
  return {
    ...r,
    request: {
      ...r.request,
      url: scrubText(r.request.url, knownSecrets),
      headers: headers(r.request.headers),
      ...(r.request.body !== undefined ? { body: scrubText(r.request.body, knownSecrets) } : {}),
    },
    response: r.response && {
      ...r.response,
      headers: headers(r.response.headers),
      body: scrubText(r.response.body, knownSecrets),
    },
  };
}

/** {@link exchangeOf} (redacted, with the answering node), scrubbed of tokens and verifiers too. */
export function scrubExchange(
  method: string,
  url: string,
  headers: Record<string, string>,
  res: HttpResponse | null,
  latencyMs: number,
  knownSecrets: readonly string[],
  body?: string,
): Exchange {
  return scrubRecordedExchange(exchangeOf(method, url, headers, res, latencyMs, [...knownSecrets], body), knownSecrets);
}

/** Deep-scrubs every string in a JSON-like value (the report's last line of defence). */
export function scrubDeep<T>(value: T, knownSecrets: readonly string[]): T {
  if (typeof value === 'string') return scrubText(value, knownSecrets) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, knownSecrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrubDeep(v, knownSecrets)]),
    ) as T;
  }
  return value;
}
