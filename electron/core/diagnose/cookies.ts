/**
 * A client's cookies for one origin, and which node answered: WebSphere-style session cookies end in
 * the clone id (`JSESSIONID=0000abc:node2`). A node that does not know the session we sent sets a new
 * one with its own clone id; a node that knows it sets none, so then it is the one whose clone id we
 * sent. Every other cookie (a balancer's own affinity cookie, say) is kept and sent back as a browser
 * would.
 */
import { cloneIdFromCookies } from '../redact.ts';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` lines of an answer; `Max-Age=0` or a past `Expires` removes a cookie. */
  take(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) =>
          /^\s*max-age\s*=\s*0\s*$/i.test(a) ||
          (/^\s*expires\s*=/i.test(a) && Date.parse(a.split('=').slice(1).join('=')) < Date.now()),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The `Cookie` header value, or null when the jar is empty. */
  header(): string | null {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : null;
  }

  /** The clone id of the session cookie we hold. */
  sessionNode(): string | null {
    const session = this.cookies.get('JSESSIONID');
    return session ? cloneIdFromCookies([`JSESSIONID=${session}`]) : null;
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }
}

/** The node that answered: the clone id of a new session cookie, else the one of the session we sent. */
export function answeredBy(setCookies: readonly string[], sentSessionNode: string | null): string | null {
  return cloneIdFromCookies(setCookies) ?? sentSessionNode;
}
