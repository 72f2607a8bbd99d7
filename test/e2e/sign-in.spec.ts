/**
 * Browser mode's sign-in in Debian Chromium against real `oslc-admin serve` processes: a link signs
 * in once (a second use shows how to get a new one); the cookies a foreign server on another
 * 127.0.0.1 port receives from this browser call no operation; two consoles in one browser both
 * keep working.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { shots } from './_look.ts';
import { rawRequest, startServe } from '../_serve.ts';
import { OPERATIONS } from '../../shared/contract.ts';

test('a sign-in link works once; a second use says the link was used and how to get a new one', async ({
  page,
  served,
}, info) => {
  const link = await served.newLink();
  await page.goto(link);
  await expect(page.getByRole('navigation', { name: 'Clusters' })).toBeVisible();
  // The token and the session secret left the address bar.
  expect(page.url()).toBe(`${served.origin}/`);
  // A reload keeps this tab signed in.
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Clusters' })).toBeVisible();
  await new ConsolePage(page).waitForStatus(0); // the reloaded page's first run

  const second = await page.context().newPage();
  const reply = await second.goto(link);
  expect(reply?.status()).toBe(410);
  await expect(second.locator('body')).toContainText('This sign-in link was already used');
  await expect(second.locator('body')).toContainText('press Enter in the terminal where `oslc-admin serve` runs');
  await shots(second, info, 'sign-in-link-used');
});

test('the cookies another 127.0.0.1 server receives from this browser call no operation', async ({ page, served }) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  // A foreign local server on another port, visited from the same browser: it records what it gets.
  const received: string[] = [];
  const foreign = http.createServer((req, res) => {
    received.push(req.headers.cookie ?? '');
    res.end('<!doctype html><title>foreign</title><p>another local server</p>');
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
  try {
    const other = await page.context().newPage();
    await other.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const cookie = received.join('; ');
    expect(cookie, 'browsers send every 127.0.0.1 cookie to every port').toMatch(/oslc_s_[^=]+=/);
    // Replayed from outside the browser with everything the foreign server saw, and a good Origin.
    for (const op of OPERATIONS) {
      const r = await rawRequest(`${served.origin}/api/${op}`, {
        method: 'POST',
        headers: { cookie, origin: served.origin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(r.status, op).toBe(401);
    }
    // The console itself still works.
    const before = await console.statusRuns();
    await page.getByRole('button', { name: 'Check status' }).click();
    await console.waitForStatus(before);
  } finally {
    await new Promise<void>((r) => foreign.close(() => r()));
  }
});

test('two consoles in one browser both keep working', async ({ page, served }, info) => {
  test.setTimeout(90_000);
  const home = await mkdtemp(join(tmpdir(), 'oslc-e2e-'));
  const second = await startServe(['--sandbox', '--home', home]);
  try {
    const a = new ConsolePage(page);
    await a.open(served.url);
    await a.waitForStatus();
    const b = new ConsolePage(await page.context().newPage());
    await b.open(second.url);
    await b.waitForStatus();
    // The first console, signed in before the second, still answers (its own cookie and secret).
    // A reloaded page counts its status runs from 0: wait for its first to finish (waiting for "one
    // more than now" right after the reload could see the map idle before that run had started).
    await page.reload();
    const runs = await a.waitForStatus(0);
    expect(runs).toBeGreaterThan(0);
    await b.page.reload();
    await b.waitForStatus(0);
    await shots(page, info, 'two-consoles-first');
    await shots(b.page, info, 'two-consoles-second');
  } finally {
    await second.stop();
    await rm(home, { recursive: true, force: true });
  }
});
