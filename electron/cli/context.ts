/** What every command gets: its streams and a lazily built engine for the chosen config home. */
import { Engine } from '../core/facade.ts';
import { resolveHome } from '../core/config/home.ts';
import { OsKeychain } from '../core/keychain.ts';
import { OverlaySecretStore } from '../core/secret-overlay.ts';
import { ONE_SHOT_PROBES_PER_NODE } from '../core/status.ts';
import type { CliIo } from './io.ts';

export class CommandContext {
  private engineInstance: Engine | null = null;
  readonly secrets: OverlaySecretStore;
  /** Set by a command that ends before its requests do (a check past its deadline): they are dropped, not awaited. */
  abandonOnClose = false;
  /** `--verbose` / `--quiet` given before the command (each command may also take them itself). */
  verbose = false;
  quiet = false;
  /**
   * When this run started, on performance.now()'s clock: 0 for the process itself (its start-up
   * counts against a deadline such as `status --check -t`), the call's start when run in-process.
   */
  startedAt = 0;

  constructor(
    readonly io: CliIo,
    private readonly homeFlag: string | undefined,
    /**
     * The command ends the process's work (everything but watch, serve and sandbox): its engine keeps
     * no connection for later, so it opens fewer at once (ONE_SHOT_PROBES_PER_NODE).
     */
    private readonly oneShot = false,
  ) {
    this.secrets = new OverlaySecretStore(new OsKeychain(io.env.OSLC_ADMIN_KEYCHAIN_SERVICE || undefined));
  }

  get home(): string {
    return resolveHome({ ...(this.homeFlag !== undefined ? { home: this.homeFlag } : {}), env: this.io.env });
  }

  get engine(): Engine {
    this.engineInstance ??= new Engine({
      home: this.home,
      secrets: this.secrets,
      ...(this.oneShot ? { probesPerNode: ONE_SHOT_PROBES_PER_NODE } : {}),
    });
    return this.engineInstance;
  }

  /** `abandon` after Ctrl+C: what was done is printed and recorded; requests still under way are dropped. */
  async close(opts: { abandon?: boolean; processExits?: boolean } = {}): Promise<void> {
    await this.engineInstance?.close(opts);
  }
}
