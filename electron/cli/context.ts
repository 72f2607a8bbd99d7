/** What every command gets: its streams and a lazily built engine for the chosen config home. */
import { Engine } from '../core/facade.ts';
import { resolveHome } from '../core/config/home.ts';
import { OsKeychain, accounts } from '../core/keychain.ts';
import { OverlaySecretStore } from '../core/secret-overlay.ts';
import type { CliIo } from './io.ts';
import { UsageError, readSecretFromStdin } from './io.ts';

export class CommandContext {
  private engineInstance: Engine | null = null;
  readonly secrets: OverlaySecretStore;

  constructor(
    readonly io: CliIo,
    private readonly homeFlag: string | undefined,
  ) {
    this.secrets = new OverlaySecretStore(new OsKeychain(io.env.OSLC_ADMIN_KEYCHAIN_SERVICE || undefined));
  }

  get home(): string {
    return resolveHome({ ...(this.homeFlag !== undefined ? { home: this.homeFlag } : {}), env: this.io.env });
  }

  get engine(): Engine {
    this.engineInstance ??= new Engine({ home: this.home, secrets: this.secrets });
    return this.engineInstance;
  }

  /**
   * `--password-stdin` on a command that uses the admin login: the password is held for this call
   * only, never stored. The user is `--user U` when given (so no keychain and no `login` is needed),
   * else the one `login` stored.
   */
  async holdAdminPasswordFromStdin(cluster: string, user?: string): Promise<void> {
    const def = await this.engine.getCluster({ cluster });
    if (user !== undefined && user.trim() === '') throw new UsageError('--user: must not be empty');
    if (!user && !def.adminUser)
      throw new UsageError(
        `--password-stdin: no admin user is stored for cluster ${cluster}; name it with --user U (nothing is stored)`,
      );
    if (user) this.engine.holdAdminUser(def.name, user);
    this.secrets.hold(accounts.admin(def.name), await readSecretFromStdin(this.io, '--password-stdin'));
  }

  /**
   * A command's `[--user U] [--password-stdin]`: holds the login for this call, or checks that the
   * cluster exists. `--user` without `--password-stdin` would be silently ignored: it is refused.
   */
  async adminForThisCall(cluster: string, user: string | undefined, passwordStdin: boolean): Promise<void> {
    if (user !== undefined && !passwordStdin)
      throw new UsageError('--user: goes with --password-stdin (the password for this call only)');
    if (passwordStdin) await this.holdAdminPasswordFromStdin(cluster, user);
    else await this.engine.getCluster({ cluster });
  }

  /** `abandon` after Ctrl+C: what was done is printed and recorded; requests still under way are dropped. */
  async close(opts: { abandon?: boolean } = {}): Promise<void> {
    await this.engineInstance?.close(opts);
  }
}
