/**
 * The sandbox's OAuth authorize page in a real browser (Debian Chromium): the user logs in and
 * chooses Allow or Deny, and the browser is redirected to a real callback listener on 127.0.0.1.
 * This is what the desktop app's node-pinned window and browser mode will show an admin.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { parseForm, signRequest } from '../../electron/core/oauth/rfc5849.ts';

let sandbox: SandboxHandle;
let consumer: { key: string; secret: string };

/** A consumer approved and loaded on every node, as after a successful sync. */
test.beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 2 });
  const secret = 'e2e-consumer-secret';
  const { key, node } = await sandbox.friend('E2E consumer', secret);
  const base = sandbox.info.nodes.find((n) => n.id === node)!.url;
  const admin = await fetch(`${base}/oauth/admin`);
  const cookie = admin.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /csrfPrevent\s*[:=]\s*["']([^"']+)/.exec(await admin.text())![1]!;
  const form = { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-csrf-prevent': csrf };
  expect(
    (
      await fetch(`${base}/oauth/adminLogin`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ id: 'admin', password: sandbox.info.admin.password }),
      })
    ).status,
  ).toBe(204);
  expect(
    (await fetch(`${base}/oauth/consumers/${key}`, { method: 'POST', headers: form, body: 'provisional=false' }))
      .status,
  ).toBe(204);
  const basic = `Basic ${Buffer.from(`admin:${sandbox.info.admin.password}`).toString('base64')}`;
  for (const n of sandbox.info.nodes) {
    expect(
      (
        await fetch(`${n.url}/cqweb/oslc/repo/cqschema/db/SAMPL/refreshRepoConfig`, {
          headers: { authorization: basic },
        })
      ).status,
    ).toBe(200);
  }
  consumer = { key, secret };
});

test.afterAll(async () => {
  await sandbox?.close();
});

/** A one-shot callback listener: resolves with the query the browser was redirected with. */
async function callbackListener(): Promise<{ url: string; hit: Promise<URLSearchParams>; close: () => void }> {
  let resolveHit!: (q: URLSearchParams) => void;
  const hit = new Promise<URLSearchParams>((r) => (resolveHit = r));
  const server = createServer((req, res) => {
    resolveHit(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<p data-testid="callback-done">You can close this window.</p>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/callback`, hit, close: () => server.close() };
}

async function requestToken(nodeUrl: string, callback: string): Promise<string> {
  const url = `${nodeUrl}/oauth/requestToken`;
  const signed = signRequest({
    method: 'POST',
    url,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    extraOAuth: { oauth_callback: callback },
  });
  const res = await fetch(url, { method: 'POST', headers: { authorization: signed.authorization } });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return new Map(parseForm(body)).get('oauth_token')!;
}

test('an admin logs in on the authorize page, clicks Allow, and the browser lands on the callback with a verifier', async ({
  page,
}) => {
  const node = sandbox.info.nodes[0]!;
  const cb = await callbackListener();
  try {
    const token = await requestToken(node.url, cb.url);
    await page.goto(`${node.url}/oauth/authorize?oauth_token=${encodeURIComponent(token)}`);
    await expect(page.getByTestId('node-id')).toContainText('node1');
    await expect(page.getByTestId('consumer-name')).toContainText('E2E consumer');
    await page.getByTestId('login-id').fill('admin');
    await page.getByTestId('login-password').fill(sandbox.info.admin.password);
    await page.getByTestId('allow').click();
    const query = await cb.hit;
    expect(query.get('oauth_token')).toBe(token);
    expect(query.get('oauth_verifier')).toMatch(/.+/);
    await expect(page.getByTestId('callback-done')).toBeVisible();
  } finally {
    cb.close();
  }
});

test('clicking Deny redirects to the callback with an empty verifier and oauth_error=oauth_denied', async ({
  page,
}) => {
  const node = sandbox.info.nodes[1]!;
  const cb = await callbackListener();
  try {
    const token = await requestToken(node.url, cb.url);
    await page.goto(`${node.url}/oauth/authorize?oauth_token=${encodeURIComponent(token)}`);
    await page.getByTestId('login-id').fill('admin');
    await page.getByTestId('login-password').fill(sandbox.info.admin.password);
    await page.getByTestId('deny').click();
    const query = await cb.hit;
    expect(query.get('oauth_error')).toBe('oauth_denied');
    expect(query.get('oauth_verifier')).toBe('');
  } finally {
    cb.close();
  }
});

test('the authorize page on the node that does not hold the request token says so plainly', async ({ page }) => {
  const token = await requestToken(sandbox.info.nodes[0]!.url, 'oob');
  await page.goto(`${sandbox.info.nodes[1]!.url}/oauth/authorize?oauth_token=${encodeURIComponent(token)}`);
  await expect(page.getByTestId('authorize-error')).toBeVisible();
  await expect(page.getByTestId('oauth-problem')).toContainText('token_rejected');
  await page.screenshot({ path: 'test-results/authorize-wrong-node.png' });
});
