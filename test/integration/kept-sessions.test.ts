/**
 * Issue 27: what a fresh process (a new Engine over the same config home and keychain) asks the nodes.
 * Sync verifies each node from its own key list, and the admin sessions the process before opened
 * are kept in the real OS keychain for the next one: a second process logs in to no node, a node that
 * restarted (and so forgot its sessions) is logged in to again, and logout forgets the kept sessions.
 * The requests are counted on undici's diagnostics channel, as they leave the engine.
 */
import dc from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain, accounts } from '../../electron/core/keychain.ts';
import { HomeSecretStore } from '../../electron/core/secret-overlay.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { engineFor, readTree } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

/** Counts the requests sent while `fn` runs, by method and path ("POST /oauth/adminLogin"). */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; sent: Map<string, number> }> {
  const sent = new Map<string, number>();
  const onCreate = (m: unknown) => {
    const { request } = m as { request: { method: string; path: string } };
    const k = `${request.method} ${request.path.replace(/\?.*$/, '')}`;
    sent.set(k, (sent.get(k) ?? 0) + 1);
  };
  dc.subscribe('undici:request:create', onCreate);
  try {
    return { result: await fn(), sent };
  } finally {
    dc.unsubscribe('undici:request:create', onCreate);
  }
}

const logins = (sent: Map<string, number>) => sent.get('POST /oauth/adminLogin') ?? 0;

describe('a fresh process after another (issue 27)', () => {
  let sandbox: SandboxHandle;
  let t: TestEngine;
  let key: string;
  /** A new engine over the same home and keychain: what the next `oslc-admin` process is. */
  const nextProcess = () => new Engine({ home: t.home, secrets: new OsKeychain(t.service) });
  const kept = () => new HomeSecretStore(new OsKeychain(t.service), t.home).get(accounts.adminSessions('sb'));

  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    t = await engineFor(sandbox);
    const friend = await sandbox.friend('Kept', 'kept-secret');
    key = friend.key;
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'kept-secret' });
    await t.engine.approve({ cluster: 'sb', key });
    await t.engine.close();
  });
  afterAll(async () => {
    await t.close();
    await sandbox.close();
  });

  it('verifies a sync from each node’s own key list, with no probe', async () => {
    const engine = nextProcess();
    try {
      const { result, sent } = await counted(() => engine.sync({ cluster: 'sb' }));
      expect(result.verified.consistent).toBe(true);
      expect(result.nodes.every((n) => n.refreshed)).toBe(true);
      expect(sent.get('POST /oauth/requestToken') ?? 0).toBe(0);
      expect(sent.get('GET /oauth/consumers')).toBe(3);
    } finally {
      await engine.close({ processExits: true });
    }
  });

  it('reads no consumer secret from the keychain for a sync the lists verify', async () => {
    const engine = nextProcess();
    const read: string[] = [];
    const onRead = (m: unknown) => read.push((m as { op: string; account: string }).account);
    dc.subscribe('oslc-admin:keychain', onRead);
    try {
      const r = await engine.sync({ cluster: 'sb' });
      expect(r.verified.consistent).toBe(true);
      expect(read.some((a) => a.endsWith('/admin'))).toBe(true);
      expect(read.filter((a) => a.includes('/consumer/'))).toEqual([]);
      // status probes each key with its secret: it reads them.
      read.length = 0;
      await engine.status({ cluster: 'sb' });
      expect(read.filter((a) => a.includes('/consumer/'))).toHaveLength(1);
    } finally {
      dc.unsubscribe('oslc-admin:keychain', onRead);
      await engine.close({ processExits: true });
    }
  });

  it('asks every node for its key list before status reads the consumer secrets', async () => {
    const engine = nextProcess();
    const events: string[] = [];
    const onCreate = (m: unknown) => {
      const { request } = m as { request: { method: string; path: string } };
      if (request.path.endsWith('/oauth/consumers')) events.push('list');
    };
    const onKeychain = (m: unknown) => {
      if ((m as { account: string }).account.includes('/consumer/')) events.push('secret');
    };
    dc.subscribe('undici:request:create', onCreate);
    dc.subscribe('oslc-admin:keychain', onKeychain);
    try {
      const r = await engine.status({ cluster: 'sb' });
      expect(r.nodes.map((n) => n.consumers[0]?.state)).toEqual(['approved', 'approved', 'approved']);
      // The lists arrive while the secrets are read (issue 27): each node's, once, all before the first secret.
      expect(events).toEqual(['list', 'list', 'list', 'secret']);
    } finally {
      dc.unsubscribe('undici:request:create', onCreate);
      dc.unsubscribe('oslc-admin:keychain', onKeychain);
      await engine.close({ processExits: true });
    }
  });

  it('logs in to no node when the process before kept its sessions', async () => {
    const engine = nextProcess();
    try {
      const { result, sent } = await counted(() => engine.sync({ cluster: 'sb' }));
      expect(result.verified.consistent).toBe(true);
      expect(logins(sent)).toBe(0);
      expect(sent.get('GET /oauth/admin') ?? 0).toBe(0);
      const status = await counted(() => engine.status({ cluster: 'sb' }));
      expect(logins(status.sent)).toBe(0);
      expect(status.result.nodes.every((n) => n.approved?.includes(key))).toBe(true);
    } finally {
      await engine.close({ processExits: true });
    }
    // The kept sessions are in the keychain, never in the config directory, never with the password.
    const entry = (await kept())!;
    expect(entry).not.toBeNull();
    expect(entry).not.toContain(sandbox.info.admin.password);
    const cookie = /"cookie":"([^"]+)"/.exec(entry)![1]!;
    expect(await readTree(t.home)).not.toContain(cookie.split('=')[1]!.split(';')[0]!);
  });

  it('logs in again to a node that restarted and forgot its session, and gets the same answer', async () => {
    await sandbox.restartNode('node2');
    // The restart dropped node2's memory (its registry too): approve the key there again.
    const engine = nextProcess();
    try {
      const { result, sent } = await counted(() => engine.sync({ cluster: 'sb' }));
      expect(logins(sent)).toBe(1);
      expect(result.nodes.every((n) => n.refreshed)).toBe(true);
      // After the refresh node2 reads the repository again; the verification names what it holds.
      const again = await counted(() => nextProcessStatus());
      expect(logins(again.sent)).toBe(0);
      expect(again.result.nodes.map((n) => n.up)).toEqual([true, true, true]);
    } finally {
      await engine.close({ processExits: true });
    }
  });

  it('forgets the kept sessions with the login', async () => {
    expect(await kept()).not.toBeNull();
    const engine = nextProcess();
    try {
      await engine.forgetCredentials({ cluster: 'sb' });
    } finally {
      await engine.close({ processExits: true });
    }
    expect(await kept()).toBeNull();
  });

  async function nextProcessStatus() {
    const engine = nextProcess();
    try {
      return await engine.status({ cluster: 'sb' });
    } finally {
      await engine.close({ processExits: true });
    }
  }
});
