/**
 * The sandbox playing an OSLC consumer (say RTC) that "establishes a friendship": it asks for a
 * consumer key through the balancer, over real HTTP(S), and reads which node answered from the
 * clone id of the session cookie, which is how an admin would find out too.
 */
import http from 'node:http';
import https from 'node:https';
import { cloneIdOf } from './balancer.ts';

const FRIEND_TIMEOUT_MS = 60_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export async function requestKeyThroughBalancer(
  balancerUrl: string,
  caPem: string | null,
  name: string,
  secret: string,
  /** The dialect's request-key path (Lyo `/oauth/requestKey`, Jazz `/jts/oauth-request-consumer`, …). */
  path = '/oauth/requestKey',
): Promise<{ key: string; node: string }> {
  const url = new URL(path, balancerUrl);
  const body = JSON.stringify({ name, secret, trusted: true });
  const { status, text, setCookies } = await new Promise<{ status: number; text: string; setCookies: string[] }>(
    (resolve, reject) => {
      const options: https.RequestOptions = {
        method: 'POST',
        timeout: FRIEND_TIMEOUT_MS,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Accept: 'application/json',
        },
        agent: false,
        ...(caPem ? { ca: caPem } : {}),
      };
      const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'));
          else chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            setCookies: res.headers['set-cookie'] ?? [],
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${FRIEND_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    },
  );
  if (status !== 200) throw new Error(`requestKey answered HTTP ${status}: ${text.trim()}`);
  const key = (JSON.parse(text) as { key?: unknown }).key;
  if (typeof key !== 'string') throw new Error('requestKey answered without a key');
  const node = setCookies
    .map((c) => cloneIdOf(c.split(';')[0]))
    .flat()
    .at(-1);
  if (!node) throw new Error('the answer carried no session cookie naming the node');
  return { key, node };
}
