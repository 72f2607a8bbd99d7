/**
 * `watch` reads its secrets once, and again at each SIGHUP reload (electron/cli/watch.ts,
 * readSecretsOnce). At a reload the keychain may refuse a read (its client's guard refuses calls once
 * the process holds too many open files): the secrets read before are kept, so a reload never loses
 * a working admin login. The keychain here is a store that refuses every read; the config home is real.
 */
import { describe, expect, it } from 'vitest';
import { readSecretsOnce } from '../../electron/cli/watch.ts';
import type { CommandContext } from '../../electron/cli/context.ts';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { useTempHomes } from '../_home.ts';

const home = useTempHomes('oslc-watch-reload-');

/** The slice of a CommandContext that readSecretsOnce uses, over `get`. */
function contextOver(dir: string, get: (account: string) => Promise<string | null>) {
  let stderr = '';
  const ctx = {
    home: dir,
    io: { stderr: { write: (s: string) => ((stderr += s), true) } },
    secrets: {
      held: () => undefined,
      get,
      set: async () => undefined,
      delete: async () => false,
    },
  } as unknown as CommandContext;
  return { ctx, stderr: () => stderr };
}

describe('watch: the secrets read again at a reload', () => {
  it('keeps what was read before when the keychain refuses now; says so when there is nothing to keep', async () => {
    const h = await home();
    const keychain = new MemorySecretStore();
    const engine = new Engine({ home: h.dir, secrets: keychain });
    try {
      await engine.addCluster({
        name: 'prod',
        kind: 'jazz',
        balancerUrl: 'http://127.0.0.1:9/',
        nodes: [{ id: 'n1', url: 'http://127.0.0.1:10/' }],
      });
      await engine.storeCredentials({ cluster: 'prod', user: 'admin', password: 'the-admin-password' });
    } finally {
      await engine.close();
    }
    const [account] = keychain.accounts();

    const atStart = contextOver(h.dir, (a) => keychain.get(a));
    const first = await readSecretsOnce(atStart.ctx, ['prod']);
    expect(await first.get(account!)).toBe('the-admin-password');

    const refusing = async () => {
      throw new Error('the keychain refused the call: 1100 files are open');
    };
    const reload = contextOver(h.dir, refusing);
    const second = await readSecretsOnce(reload.ctx, ['prod'], first);
    expect(await second.get(account!)).toBe('the-admin-password');
    expect(reload.stderr()).toBe('');

    const noFallback = contextOver(h.dir, refusing);
    const none = await readSecretsOnce(noFallback.ctx, ['prod']);
    expect(await none.get(account!)).toBeNull();
    expect(noFallback.stderr()).toMatch(/some secrets could not be read from the keychain \(the keychain refused/);
  });
});
