import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { MemorySecretStore, OsKeychain, accounts, checkKeychain } from '../../electron/core/keychain.ts';
import { fixCommand, fixWords } from '../../shared/fix.ts';

// The native module, replaced by one that fails the way @napi-rs/keyring does on a host without a
// Secret Service (messages copied from real runs), or that works, or that never answers.
const native = vi.hoisted(() => ({
  mode: 'ok' as 'ok' | 'no-bus' | 'no-service' | 'locked' | 'echo-secret' | 'hang' | 'broken-binding',
  stored: new Map<string, string>(),
  entries: [] as { service: string; account: string; options: unknown }[],
}));

vi.mock('@napi-rs/keyring', () => {
  const failure = (message: string) => Object.assign(new Error(message), { code: 'GenericFailure' });
  class AsyncEntry {
    readonly #key: string;
    constructor(service: string, account: string, options?: unknown) {
      if (native.mode === 'broken-binding') throw new Error('Cannot find native binding.');
      native.entries.push({ service, account, options });
      this.#key = `${service}\u0000${account}`;
    }
    async #fail(secret?: string): Promise<void> {
      switch (native.mode) {
        case 'no-bus':
          throw failure(
            'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
          );
        case 'no-service':
          throw failure("Couldn't access platform storage: Secret Service: no result found");
        case 'locked':
          throw failure("Couldn't access platform storage: Secret Service: unlock prompt was dismissed");
        case 'echo-secret':
          throw failure(`Attribute 'password' is longer than platform limit: ${secret ?? ''}`);
        case 'hang':
          await new Promise(() => undefined);
      }
    }
    async setPassword(password: string): Promise<void> {
      await this.#fail(password);
      native.stored.set(this.#key, password);
    }
    async getPassword(): Promise<string | null> {
      await this.#fail();
      return native.stored.get(this.#key) ?? null;
    }
    async deleteCredential(): Promise<boolean> {
      await this.#fail();
      return native.stored.delete(this.#key);
    }
  }
  return { AsyncEntry };
});

const SECRET = 'canary-s3cret-ä✓';

async function keychainError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => {
      throw new Error('expected KEYCHAIN_UNAVAILABLE');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(ErrorCode.KEYCHAIN_UNAVAILABLE);
  return e as AppError;
}

/** Everything about an error that could end up in a log, a report or the renderer. */
function everythingIn(e: AppError): string {
  return [
    e.message,
    JSON.stringify(e),
    JSON.stringify(e.details ?? {}),
    String(e.stack),
    String((e as { cause?: unknown }).cause ?? ''),
  ].join('\n');
}

beforeEach(() => {
  native.mode = 'ok';
  native.stored.clear();
  native.entries.length = 0;
});

describe('OsKeychain when the native keychain fails', () => {
  it.each(['no-bus', 'no-service', 'locked'] as const)(
    'turns a Linux %s failure into KEYCHAIN_UNAVAILABLE with what failed and the fix',
    async (mode) => {
      native.mode = mode;
      const keychain = new OsKeychain('oslc-cluster-admin-test', { platform: 'linux' });
      const e = await keychainError(keychain.set(accounts.admin('prod'), SECRET));
      expect(e.message).toContain('could not store the secret of "cluster/prod/admin"');
      expect(e.message).toContain('Secret Service');
      // The fix is data: words in the console, a command line in the CLI; the message is one sentence.
      expect(e.fix).toEqual({ action: 'keychain', platform: 'linux' });
      expect(fixWords(e.fix!)).toContain('Start a Secret Service such as gnome-keyring-daemon and unlock it');
      expect(fixCommand(e.fix!)).toContain('--user <admin> --password-stdin');
      expect(e.message).not.toMatch(/--|DBus|\(/);
      expect(everythingIn(e)).not.toContain(SECRET);

      await keychainError(keychain.get(accounts.admin('prod')));
      await keychainError(keychain.delete(accounts.admin('prod')));
    },
  );

  it('says what the native layer reported, e.g. the missing session bus', async () => {
    native.mode = 'no-bus';
    const e = await keychainError(new OsKeychain('svc', { platform: 'linux' }).get('cluster/prod/admin'));
    // The native text is a detail (the CLI prints it as the cause), not the console's sentence.
    expect(e.details?.['cause']).toContain('DBUS_SESSION_BUS_ADDRESS');
    expect(e.message).not.toContain('DBUS_SESSION_BUS_ADDRESS');
    expect(e.message).toContain('could not read the secret of');
  });

  it('getMany, where the binding has no search (or it fails): each account read alone, its failure as get says it', async () => {
    const keychain = new OsKeychain('svc', { platform: 'linux' });
    await keychain.set('cluster/prod/consumer/a', 'secret a');
    const got = await keychain.getMany(['cluster/prod/consumer/a', 'cluster/prod/consumer/b']);
    expect([...got.entries()]).toEqual([
      ['cluster/prod/consumer/a', 'secret a'],
      ['cluster/prod/consumer/b', null],
    ]);
    native.mode = 'no-bus';
    const e = await keychainError(keychain.getMany(['cluster/prod/consumer/a', 'cluster/prod/consumer/b']));
    expect(e.details?.['cause']).toContain('DBUS_SESSION_BUS_ADDRESS');
    expect(e.message).toContain('could not read the secret of');
  });

  it('removes the secret from the message even if the native layer echoes it', async () => {
    native.mode = 'echo-secret';
    const e = await keychainError(new OsKeychain('svc', { platform: 'linux' }).set('cluster/prod/admin', SECRET));
    expect(e.details?.['cause']).toContain('[secret]');
    expect(everythingIn(e)).not.toContain(SECRET);
  });

  it('gives macOS and Windows their own fix, still offering the one-call stdin options', async () => {
    native.mode = 'no-service';
    const mac = await keychainError(new OsKeychain('svc', { platform: 'darwin' }).get('a'));
    expect(mac.message).toContain('macOS Keychain');
    expect(fixWords(mac.fix!)).toContain('nlock your login keychain');
    expect(fixCommand(mac.fix!)).toContain('--secret-stdin');
    const win = await keychainError(new OsKeychain('svc', { platform: 'win32' }).get('a'));
    expect(win.message).toContain('Windows Credential Manager');
    expect(fixCommand(win.fix!)).toContain('--password-stdin');
  });

  it('turns a keychain that never answers into KEYCHAIN_UNAVAILABLE after the time limit', async () => {
    native.mode = 'hang';
    const e = await keychainError(new OsKeychain('svc', { platform: 'linux', timeoutMs: 50 }).set('a', SECRET));
    expect(e.details?.['cause']).toContain('no answer within');
    expect(everythingIn(e)).not.toContain(SECRET);
  });

  it('turns an unusable native binding into KEYCHAIN_UNAVAILABLE instead of a crash', async () => {
    native.mode = 'broken-binding';
    const e = await keychainError(new OsKeychain('svc', { platform: 'linux' }).get('a'));
    expect(e.details?.['cause']).toContain('Cannot find native binding');
  });

  it('makes checkKeychain throw KEYCHAIN_UNAVAILABLE with the fix when the keychain fails', async () => {
    native.mode = 'locked';
    const e = await keychainError(checkKeychain(new OsKeychain('svc', { platform: 'linux' })));
    expect(e.details?.['cause']).toContain('unlock prompt was dismissed');
    expect(e.fix).toEqual({ action: 'keychain', platform: 'linux' });
  });
});

describe('OsKeychain when the native keychain works', () => {
  it('pins Linux entries to the Secret Service and uses the default store elsewhere', async () => {
    await new OsKeychain('svc-linux', { platform: 'linux' }).set('a', SECRET);
    await new OsKeychain('svc-mac', { platform: 'darwin' }).set('a', SECRET);
    expect(native.entries).toEqual([
      { service: 'svc-linux', account: 'a', options: { linux: { store: 'secret-service' } } },
      { service: 'svc-mac', account: 'a', options: null },
    ]);
  });

  it('uses the service name oslc-cluster-admin unless told otherwise', async () => {
    expect(new OsKeychain().service).toBe('oslc-cluster-admin');
    await new OsKeychain().get('x');
    expect(native.entries[0]?.service).toBe('oslc-cluster-admin');
  });

  it('stores, reads and deletes through the native entry', async () => {
    const keychain = new OsKeychain('svc', { platform: 'linux' });
    await keychain.set('cluster/prod/admin', SECRET);
    expect(await keychain.get('cluster/prod/admin')).toBe(SECRET);
    expect(await keychain.delete('cluster/prod/admin')).toBe(true);
    expect(await keychain.delete('cluster/prod/admin')).toBe(false);
    expect(await keychain.get('cluster/prod/admin')).toBeNull();
  });

  it('passes checkKeychain and leaves no probe entry behind', async () => {
    await checkKeychain(new OsKeychain('svc', { platform: 'linux' }));
    expect(native.stored.size).toBe(0);
  });

  it('rejects an empty account or secret with BAD_INPUT before reaching the keychain', async () => {
    const keychain = new OsKeychain('svc', { platform: 'linux' });
    await expect(keychain.set('', SECRET)).rejects.toMatchObject({ code: ErrorCode.BAD_INPUT });
    await expect(keychain.set('a', '')).rejects.toMatchObject({ code: ErrorCode.BAD_INPUT });
    expect(native.entries).toEqual([]);
  });
});

describe('MemorySecretStore', () => {
  it('stores, reads, overwrites and deletes secrets in memory', async () => {
    const store = new MemorySecretStore();
    expect(await store.get('a')).toBeNull();
    await store.set('a', 'one');
    await store.set('a', 'two');
    expect(await store.get('a')).toBe('two');
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.get('a')).toBeNull();
  });

  it('keeps accounts apart and can start with entries', async () => {
    const store = new MemorySecretStore([[accounts.admin('prod'), 'p1']]);
    await store.set(accounts.consumer('prod', 'key/with/slashes'), 'c1');
    expect(await store.get(accounts.admin('prod'))).toBe('p1');
    expect(await store.get(accounts.consumer('prod', 'key/with/slashes'))).toBe('c1');
    expect(await store.get(accounts.admin('test'))).toBeNull();
    expect(store.accounts().sort()).toEqual(['cluster/prod/admin', 'cluster/prod/consumer/key/with/slashes']);
  });

  it('does not show its secrets when logged or serialised', async () => {
    const { inspect } = await import('node:util');
    const store = new MemorySecretStore([['a', SECRET]]);
    expect(inspect(store)).not.toContain(SECRET);
    expect(JSON.stringify({ store })).not.toContain(SECRET);
  });

  it('passes checkKeychain', async () => {
    const store = new MemorySecretStore();
    await checkKeychain(store);
    expect(store.accounts()).toEqual([]);
  });
});

describe('accounts', () => {
  it('names keychain accounts by cluster, role and consumer key', () => {
    expect(accounts.admin('prod')).toBe('cluster/prod/admin');
    expect(accounts.consumer('prod', 'abc')).toBe('cluster/prod/consumer/abc');
  });
});

describe('checkKeychain', () => {
  it('reports a store that loses what it was given as KEYCHAIN_UNAVAILABLE', async () => {
    const forgetful = { get: async () => null, set: async () => undefined, delete: async () => false };
    const e = await keychainError(checkKeychain(forgetful));
    expect(e.message).toContain('could not be found again');
  });
});
