import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AdminSessionStore, KEPT_SESSION_TTL_MS } from '../../electron/core/admin-sessions.ts';
import { MemorySecretStore, accounts } from '../../electron/core/keychain.ts';
import { HomeSecretStore } from '../../electron/core/secret-overlay.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const admin = { user: 'admin', password: 'pw-1' };
const session = { cookie: 'JSESSIONID=abc123; route=n1', csrf: 'abc123' };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function stored(secrets: MemorySecretStore, cluster = 'c'): Promise<unknown> {
  const text = await secrets.get(accounts.adminSessions(cluster));
  return text === null ? null : JSON.parse(text);
}

describe('admin sessions kept between processes', () => {
  it('gives the next process the sessions this one opened, for the same login only', async () => {
    const secrets = new MemorySecretStore();
    const c = clock();
    const first = new AdminSessionStore(secrets, 'c', KEPT_SESSION_TTL_MS, c.now);
    await first.load();
    first.put('node1', admin, session);
    await first.flush();

    const next = new AdminSessionStore(secrets, 'c', KEPT_SESSION_TTL_MS, c.now);
    await next.load();
    expect(next.get('node1', admin)).toEqual(session);
    expect(next.get('node2', admin)).toBeNull();
    // Another password (or user) is another login: its sessions are not these.
    expect(next.get('node1', { user: 'admin', password: 'pw-2' })).toBeNull();
    expect(next.get('node1', { user: 'other', password: 'pw-1' })).toBeNull();
    // The entry holds the session, never the password.
    expect(JSON.stringify(await stored(secrets))).not.toContain('pw-1');
  });

  it('keeps a session for its TTL from the login, and not from a clock set back', async () => {
    const secrets = new MemorySecretStore();
    const c = clock();
    const first = new AdminSessionStore(secrets, 'c', 60_000, c.now);
    await first.load();
    first.put('node1', admin, session);
    await first.flush();
    c.advance(59_000);
    const within = new AdminSessionStore(secrets, 'c', 60_000, c.now);
    await within.load();
    expect(within.get('node1', admin)).toEqual(session);
    c.advance(1_000);
    expect(within.get('node1', admin)).toBeNull();
    const later = new AdminSessionStore(secrets, 'c', 60_000, c.now);
    await later.load();
    expect(later.get('node1', admin)).toBeNull();

    const past = new AdminSessionStore(secrets, 'c', 60_000, () => 0);
    await past.load();
    expect(past.get('node1', admin)).toBeNull();
  });

  it('treats a malformed or foreign entry as none, and writes nothing until it was read', async () => {
    const secrets = new MemorySecretStore();
    for (const text of ['not json', '[]', '{"version":2,"login":"x","nodes":{}}', '{"version":1,"nodes":{}}']) {
      await secrets.set(accounts.adminSessions('c'), text);
      const s = new AdminSessionStore(secrets, 'c');
      await s.load();
      expect(s.get('node1', admin)).toBeNull();
    }
    const oversized = 'x'.repeat(5000);
    const s = new AdminSessionStore(secrets, 'c');
    await s.load();
    s.put('node1', admin, { cookie: oversized, csrf: 'a' });
    s.put('node2', admin, { cookie: 'a=b', csrf: '' });
    expect(s.get('node1', admin)).toBeNull();
    expect(s.get('node2', admin)).toBeNull();

    // A store never read does not replace what an earlier process kept.
    const keeper = new AdminSessionStore(secrets, 'c');
    await keeper.load();
    keeper.put('node1', admin, session);
    await keeper.flush();
    const unread = new AdminSessionStore(secrets, 'c');
    unread.put('node9', admin, session);
    await unread.flush();
    const reread = new AdminSessionStore(secrets, 'c');
    await reread.load();
    expect(reread.get('node1', admin)).toEqual(session);
    expect(reread.get('node9', admin)).toBeNull();
  });

  it('forgets a refused session, and every session on logout', async () => {
    const secrets = new MemorySecretStore();
    const s = new AdminSessionStore(secrets, 'c');
    await s.load();
    s.put('node1', admin, session);
    s.put('node2', admin, { ...session, csrf: 'other' });
    await s.flush();
    s.drop('node1');
    await s.flush();
    const next = new AdminSessionStore(secrets, 'c');
    await next.load();
    expect(next.get('node1', admin)).toBeNull();
    expect(next.get('node2', admin)).toEqual({ ...session, csrf: 'other' });
    // The last one dropped: the entry goes, rather than staying empty.
    next.drop('node2');
    await next.flush();
    expect(await stored(secrets)).toBeNull();

    s.put('node3', admin, session);
    await s.flush();
    expect(await stored(secrets)).not.toBeNull();
    await s.forgetAll();
    expect(await stored(secrets)).toBeNull();
    expect(s.get('node3', admin)).toBeNull();
  });

  it('never shows a session through inspect or JSON', async () => {
    const s = new AdminSessionStore(new MemorySecretStore(), 'c');
    await s.load();
    s.put('node1', admin, session);
    expect(inspect(s)).not.toContain('abc123');
    expect(JSON.stringify({ s })).not.toContain('abc123');
  });

  it('costs one keychain read when none is kept: the entry never had a name from before home ids', async () => {
    const asked: string[] = [];
    class Counting extends MemorySecretStore {
      override async get(account: string): Promise<string | null> {
        asked.push(account);
        return super.get(account);
      }
    }
    const home = await mkdtemp(join(tmpdir(), 'oslc-kept-'));
    try {
      const secrets = new HomeSecretStore(new Counting(), home);
      await secrets.set(accounts.admin('c'), 'pw'); // gives the home its id
      asked.length = 0;
      const store = new AdminSessionStore(secrets, 'c');
      await store.load();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/^home\/[^/]+\/cluster\/c\/admin-sessions$/);
      // A password, which older versions kept under its bare name, is still looked for there.
      asked.length = 0;
      await secrets.get(accounts.consumer('c', 'k'));
      expect(asked).toEqual([expect.stringMatching(/^home\//), 'cluster/c/consumer/k']);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
