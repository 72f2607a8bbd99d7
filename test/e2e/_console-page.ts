/**
 * The console as a person uses it, for the end-to-end specs: locators by accessible role and name,
 * and the waits the story needs (status finished, sync finished). Signal Desktop's page-object style.
 */
import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';
import { freshLinkFor } from '../_serve.ts';
import type { ServeProcess } from '../_serve.ts';
import type { SandboxInfo } from '../../electron/sandbox/index.ts';

export class ConsolePage {
  constructor(readonly page: Page) {}

  /**
   * One contract operation from the page, as the console's own client calls it: both halves of the
   * tab's browser-mode session (its cookie, and the secret it keeps in sessionStorage as a header).
   */
  async call<T>(op: string, arg: unknown): Promise<T> {
    return this.page.evaluate(
      async ({ op, arg }) => {
        const res = await fetch(`/api/${op}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-oslc-session': (
              globalThis as unknown as { sessionStorage: { getItem(k: string): string } }
            ).sessionStorage.getItem('oslc-admin-session'),
          },
          body: JSON.stringify(arg),
        });
        const last = (await res.text()).trim().split('\n').at(-1)!;
        const msg = JSON.parse(last) as { result?: unknown; error?: unknown };
        if (msg.result === undefined) throw new Error(JSON.stringify(msg.error));
        return msg.result;
      },
      { op, arg },
    ) as Promise<T>;
  }

  /** Opens a console; a `serve` URL is swapped for a fresh one-time link (each works once). */
  async open(url: string): Promise<void> {
    await this.page.goto(await freshLinkFor(url));
    await expect(this.page.getByRole('navigation', { name: 'Clusters' })).toBeVisible();
  }

  /**
   * Opens the console of a `serve --sandbox` process and waits for its first status; answers the
   * sandbox and its node ids. With `dialect`, the sandbox must speak it and every node must show up.
   */
  async openSandbox(served: ServeProcess, dialect?: string): Promise<{ sandbox: SandboxInfo; nodes: string[] }> {
    await this.open(served.url);
    await this.waitForStatus();
    const sandbox = served.sandbox!;
    const nodes = sandbox.nodes.map((n) => n.id);
    if (dialect !== undefined) {
      expect(sandbox.dialect).toBe(dialect);
      expect(nodes.length).toBeGreaterThan(1);
      for (const id of nodes) await expect(this.node(id)).toContainText('up');
    }
    return { sandbox, nodes };
  }

  /** Opens the Keys tab; answers its matrix. */
  async keysTab(): Promise<Locator> {
    await this.page.getByRole('tab', { name: 'Keys' }).click();
    const matrix = this.page.getByRole('table', { name: 'Keys matrix' });
    await expect(matrix).toBeVisible();
    return matrix;
  }

  /** One cell of the keys matrix, by its key, node and the state it must show. */
  cell(key: string, node: string, state: string): Locator {
    return this.page
      .getByRole('table', { name: 'Keys matrix' })
      .getByRole('button', { name: `${key} on ${node}: ${state}`, exact: true });
  }

  get map(): Locator {
    return this.page.getByRole('region', { name: 'Cluster map' });
  }

  node(id: string): Locator {
    return this.map.getByRole('group', { name: id, exact: true });
  }

  async chipState(id: string, key: string): Promise<string> {
    const label = await this.node(id).locator(`[aria-label^="${key} on ${id}:"]`).getAttribute('aria-label');
    return label?.split(': ').at(-1) ?? '';
  }

  /** Waits until a status run that finished after `before` runs is on the map. */
  async waitForStatus(before?: number): Promise<number> {
    const start = before ?? (await this.statusRuns());
    await expect
      .poll(async () => this.statusRuns(), { timeout: 30_000, message: 'a status run to finish' })
      .toBeGreaterThan(before === undefined ? start - 1 : start);
    await expect(this.map).toHaveAttribute('aria-busy', 'false');
    return this.statusRuns();
  }

  async statusRuns(): Promise<number> {
    return Number((await this.map.getAttribute('data-status-runs')) ?? '0');
  }

  get sandbox(): Locator {
    return this.page.getByRole('region', { name: 'Sandbox' });
  }

  /** Plays RTC making a friendship; answers the new key and the node that holds it. */
  async simulateFriendship(name: string, secret: string): Promise<{ key: string; node: string }> {
    const runs = await this.statusRuns();
    await this.sandbox.getByLabel('Consumer name').fill(name);
    await this.sandbox.getByLabel('Consumer secret').fill(secret);
    await this.sandbox.getByRole('button', { name: 'Simulate a friendship' }).click();
    const result = this.sandbox.locator('.friend-result');
    await expect(result).toBeVisible();
    const key = (await result.locator('code').textContent())!.trim();
    const node = (await result.locator('strong').textContent())!.trim();
    await this.waitForStatus(runs);
    return { key, node };
  }

  async openNode(id: string): Promise<Locator> {
    await this.node(id)
      .getByRole('button', { name: new RegExp(`^Open ${id} `) })
      .click();
    const panel = this.page.getByRole('complementary', { name: `Node ${id}` });
    await expect(panel).toBeVisible();
    return panel;
  }

  async approve(id: string): Promise<void> {
    const panel = await this.openNode(id);
    const runs = await this.statusRuns();
    await panel.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(panel.getByRole('region', { name: 'Approval' })).toContainText('Approved');
    await this.waitForStatus(runs);
  }

  /** The admin did the hand-off: "Done — re-probe"; `key` is approved on `holder`, still missing on the other `nodes`. */
  async handoffDone(approval: Locator, holder: string, key: string, nodes: string[]): Promise<void> {
    const runs = await this.statusRuns();
    await approval.getByRole('button', { name: 'Done — re-probe' }).click();
    await this.waitForStatus(runs);
    await expect(approval).toContainText(`Now on ${holder}: `);
    expect(await this.chipState(holder, key)).toBe('approved');
    for (const id of nodes.filter((n) => n !== holder)) expect(await this.chipState(id, key)).toBe('missing');
  }

  /** Sync all nodes: every node refreshed, every key verified, and `key` approved on every one of `nodes`. */
  async syncToApproved(key: string, nodes: string[]): Promise<void> {
    await this.syncAll();
    for (const id of nodes) await expect(this.syncRow(id)).toContainText('refreshed');
    await expect(this.syncPanel).toContainText('every node refreshed and every key verified on every node');
    for (const id of nodes) expect(await this.chipState(id, key)).toBe('approved');
  }

  get syncPanel(): Locator {
    return this.page.getByRole('region', { name: 'Sync' });
  }

  /**
   * Clicks the one primary button and waits until the sync and the status after it are done
   * (`Verify all nodes` where the product cannot refresh a node: Lyo).
   */
  async syncAll(label: 'Sync all nodes' | 'Verify all nodes' = 'Sync all nodes'): Promise<void> {
    const runs = await this.statusRuns();
    await this.page.getByRole('button', { name: label, exact: true }).first().click();
    await expect(this.syncPanel).toHaveAttribute('data-phase', /done|failed|cancelled/, { timeout: 60_000 });
    await this.waitForStatus(runs);
  }

  syncRow(id: string): Locator {
    return this.syncPanel.getByRole('row', { name: new RegExp(`^${id}:`) });
  }

  async killNode(id: string): Promise<void> {
    const runs = await this.statusRuns();
    await this.sandbox.getByRole('button', { name: `Kill ${id}` }).click();
    await this.waitForStatus(runs);
  }

  async restartNode(id: string): Promise<void> {
    const runs = await this.statusRuns();
    await this.sandbox.getByRole('button', { name: `Restart ${id}` }).click();
    await this.waitForStatus(runs);
  }
}
