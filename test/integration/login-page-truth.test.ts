/**
 * Issue 12, class 8 ("a login page is called unreachable") and the "200 HTML = success" hole in the
 * refresh: a balancer that answers with an HTML login page is said to have answered, with a login
 * page (status, sync, diagnose); a Jazz node whose form login is answered by a login page again (no
 * LtpaToken2 / JAZZ_AUTH_TOKEN, or `authrequired` after the POST) is not reported as refreshed.
 * Real sandboxes (the sandbox and the jazz dialect), the login-page fault server, real keychain.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BALANCER_ID } from '../../shared/diagnose.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';
import { startFaultServer } from '../_faults.ts';
import type { FaultServer } from '../_faults.ts';
import { expectNoStack } from './_faults-table.ts';

const balancerLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => /balancer/i.test(l))
    .join('\n');

describe('a balancer answering with a login page', () => {
  let sandbox: SandboxHandle;
  let te: TestEngine;
  let login: FaultServer;
  let key = '';
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 1 });
    key = (await sandbox.friend('login-page-truth', 's3cret-lp')).key;
    login = await startFaultServer('login-page');
    te = await engineFor(sandbox, { timeouts: { connectMs: 400, totalMs: 1500 } });
    await te.engine.updateCluster({ ...te.cluster, balancerUrl: login.url });
    await te.engine.trackConsumer({ cluster: te.cluster.name, key, name: 'login-page-truth', secret: 's3cret-lp' });
  }, 30_000);
  afterAll(async () => {
    await te?.close();
    await login?.close();
    await sandbox?.close();
  });
  const cli = (args: string[]) =>
    runMain([...args, '--home', te.home], { env: { OSLC_ADMIN_KEYCHAIN_SERVICE: te.service } });

  it('status and sync say it answered, with a login page, not that it did not answer', async () => {
    for (const cmd of ['status', 'sync']) {
      const r = await cli([cmd, te.cluster.name]);
      expectNoStack(r);
      expect(r.code, cmd).toBe(1);
      const lines = balancerLines(r.stdout);
      expect(lines, cmd).toMatch(/LOGIN_PAGE/);
      expect(lines, cmd).toMatch(/answered with a login page/);
      expect(lines, cmd).toMatch(/proxy|single sign-on|wrong URL/i);
      expect(lines, cmd).not.toMatch(/NOT ANSWERING|did not answer|cannot be reached|unreachable/i);
    }
  }, 30_000);

  it('diagnose says the balancer answered with a login page, not that it cannot be reached', async () => {
    const r = await cli(['diagnose', te.cluster.name, '--key', key, '--json']);
    expectNoStack(r);
    const d = JSON.parse(r.stdout) as { causes: { code: string; nodes: string[]; message: string }[] };
    const cause = d.causes.find((c) => c.code === 'NODE_DOWN' && c.nodes.includes(BALANCER_ID));
    expect(cause, r.stdout).toBeDefined();
    expect(cause!.message).toMatch(/answered with a login page/);
    expect(cause!.message).not.toMatch(/cannot be reached|unreachable|did not answer/i);
  }, 30_000);
});

/** A Jazz node stand-in whose form login never takes: the challenge again after the POST. */
async function authRequiredAgain(): Promise<{ url: string; close: () => Promise<void> }> {
  const page =
    '<!DOCTYPE html><html><body><form method="post" action="/jts/j_security_check">' +
    '<input name="j_username"><input type="password" name="j_password"></form></body></html>';
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'x-com-ibm-team-repository-web-auth-msg': 'authrequired',
        'set-cookie': 'JazzFormAuth=Form; Path=/jts',
        connection: 'close',
      });
      res.end(page);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('jazz refresh (form login) answered by a login page', () => {
  let sandbox: SandboxHandle;
  let te: TestEngine;
  let login: FaultServer;
  let again: Awaited<ReturnType<typeof authRequiredAgain>>;
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 1, dialect: 'jazz' });
    login = await startFaultServer('login-page');
    again = await authRequiredAgain();
    te = await engineFor(sandbox, { timeouts: { connectMs: 400, totalMs: 1500 } });
  }, 30_000);
  afterAll(async () => {
    await te?.close();
    await login?.close();
    await again?.close();
    await sandbox?.close();
  });

  it('the real jazz dialect: the form login sets its token, the node is refreshed', async () => {
    const r = await te.engine.sync({ cluster: te.cluster.name });
    expect(r.nodes.map((n) => [n.id, n.refreshed, n.error?.code ?? null])).toEqual([
      [te.cluster.nodes[0]!.id, true, null],
    ]);
  }, 30_000);

  for (const [name, url] of [
    ['a login page with 200 to every request', () => login.url],
    ['authrequired again after the POST', () => again.url],
  ] as const) {
    it(`${name}: not refreshed, LOGIN_PAGE`, async () => {
      const def = await te.engine.getCluster({ cluster: te.cluster.name });
      await te.engine.updateCluster({ ...def, nodes: [{ id: def.nodes[0]!.id, url: `${url()}/jts` }] });
      try {
        const r = await te.engine.sync({ cluster: te.cluster.name });
        const n = r.nodes[0]!;
        expect(n.refreshed, JSON.stringify(n)).toBe(false);
        expect(n.error?.code).toBe('LOGIN_PAGE');
        expect(n.error?.message).toMatch(/login page/);
      } finally {
        await te.engine.updateCluster(def);
      }
    }, 30_000);
  }
});
