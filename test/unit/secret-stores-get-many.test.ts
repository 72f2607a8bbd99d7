/**
 * Several secrets at once through the layers every door uses (secret-overlay.ts): what a process
 * holds answers first; the home's own names are asked together; an entry of the old naming is
 * found and claimed for the home as a single read finds and claims it; null where none is stored.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureHomeId } from '../../electron/core/config/home-id.ts';
import { MemorySecretStore, accounts } from '../../electron/core/keychain.ts';
import { HomeSecretStore, OverlaySecretStore, homeAccount } from '../../electron/core/secret-overlay.ts';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-get-many-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A memory store that counts the calls made of it. */
class Counted extends MemorySecretStore {
  gets: string[] = [];
  many: string[][] = [];
  override async get(account: string) {
    this.gets.push(account);
    return super.get(account);
  }
  async getMany(list: readonly string[]) {
    this.many.push([...list]);
    const out = new Map<string, string | null>();
    for (const a of list) out.set(a, await super.get(a));
    return out;
  }
}

describe('getMany through the secret layers', () => {
  it('asks the keychain for the home’s names together, claims an old-named entry, null for none', async () => {
    const id = await ensureHomeId(home);
    const [k1, k2, k3] = ['k1', 'k2', 'k3'].map((k) => accounts.consumer('c', k)) as [string, string, string];
    const base = new Counted([
      [homeAccount(id, k1), 's1'],
      [k2, 's2'], // written before homes had ids
    ]);
    const store = new HomeSecretStore(new OverlaySecretStore(base), home);
    const got = await store.getMany([k1, k2, k3]);
    expect([...got.entries()]).toEqual([
      [k1, 's1'],
      [k2, 's2'],
      [k3, null],
    ]);
    expect(base.many).toEqual([[homeAccount(id, k1), homeAccount(id, k2), homeAccount(id, k3)]]);
    // The old-named entry now lives under the home's name only, as a single read leaves it.
    expect(base.accounts().sort()).toEqual([homeAccount(id, k1), homeAccount(id, k2)].sort());
    expect(await store.get(k2)).toBe('s2');
  });

  it('answers what the process holds without asking the keychain', async () => {
    await ensureHomeId(home);
    const base = new Counted();
    const overlay = new OverlaySecretStore(base);
    const store = new HomeSecretStore(overlay, home);
    store.hold(accounts.admin('c'), 'held password');
    const got = await store.getMany([accounts.admin('c')]);
    expect(got.get(accounts.admin('c'))).toBe('held password');
    expect(base.many).toEqual([]);
    expect(base.gets).toEqual([]);
  });

  it('a home without an id yet reads the old names one by one, as get does', async () => {
    const k1 = accounts.consumer('c', 'k1');
    const base = new Counted([[k1, 'old']]);
    const store = new HomeSecretStore(new OverlaySecretStore(base), home);
    expect([...(await store.getMany([k1])).entries()]).toEqual([[k1, 'old']]);
    expect(base.many).toEqual([]);
  });
});
