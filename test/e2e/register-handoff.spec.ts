/**
 * "Register consumer" where the product has no registration API, through the console in Debian
 * Chromium, as an admin does it:
 *
 * ClearQuest (`serve --sandbox --dialect clearquest`): the dialog refuses two differing secrets before
 * anything is sent; then the console hands off to the chosen node (Site Administration → OAuth Consumer
 * Management: Consumer Name, Consumer Key, the secret twice, Trusted). "Open <node>'s admin page" opens a
 * tab on that node itself; the admin logs in, fills the Register Consumer form, and the key shows under
 * Authorized Keys there. Back in the console: the hand-off is finished as the dialog offers (re-probe),
 * the console tracks the key (approved on that node, missing on the others), sync spreads it, and an
 * independent OAuth 1.0a signer gets a request token from every node at ClearQuest's path.
 *
 * Jazz (`--dialect jazz`): the engine asks one node at `oauth-request-consumer` (JSON) and that node
 * holds the new key provisional; the console shows the approval hand-off for that node; the admin acts
 * it out in a tab (form login returns to the approval link; Approve), comes back, re-probes, syncs, and
 * the signer gets a request token from every node at Jazz's path.
 */
import type { Locator, Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { approveOnJazzNode } from './_jazz-node.ts';
import { REQUEST_TOKEN_PATH, requestTokenStatus } from './_signer.ts';
import { accessible, shots } from './_look.ts';
import { expect, servedWith } from './_serve.ts';

const APPROVAL_MODULE = '/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth';

/** Counts the console's calls to the engine's register operation (browser mode: `/api/register`). */
function registerCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/register')) calls.push(r.url());
  });
  return calls;
}

/** Opens Register consumer; answers its dialog. */
async function openRegister(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Register consumer' }).click();
  const dialog = page.getByRole('dialog', { name: /^Register a consumer on / });
  await expect(dialog).toBeVisible();
  return dialog;
}

const cqTest = servedWith(['--dialect', 'clearquest']);

cqTest(
  'ClearQuest: Register consumer is a hand-off acted out on the chosen node’s OAuth Consumer Management page; the console tracks the key, sync spreads it',
  async ({ page, context, served }, info) => {
    const console = new ConsolePage(page);
    const { sandbox, nodes } = await console.openSandbox(served, 'clearquest');
    const calls = registerCalls(page);
    const target = nodes[1]!;
    const targetUrl = sandbox.nodes.find((n) => n.id === target)!.url;
    const name = 'Jenkins';
    const key = 'jenkins-cq-key';
    const secret = 'jenkins-cq-secret';

    // The dialog refuses two differing secrets before anything is sent.
    const dialog = await openRegister(page);
    await dialog.getByLabel('Consumer name').fill(name);
    // ClearQuest's Register Consumer form asks for the key, so it is chosen here (and then tracked).
    await expect(dialog.getByLabel('Consumer key')).toHaveAttribute('required', '');
    await expect(dialog).toContainText("required: you will type the same key in the node's Register Consumer form");
    await dialog.getByLabel('Consumer key').fill(key);
    await dialog.getByLabel('Secret', { exact: true }).fill(secret);
    await dialog.getByLabel('Secret again').fill(`${secret}-typo`);
    await dialog.getByLabel('Trusted consumer').check();
    await expect(dialog.getByLabel('Register on node')).toHaveValue(nodes[0]!);
    await dialog.getByLabel('Register on node').selectOption(target);
    await expect(dialog).toContainText('The two secrets are not the same yet.');
    // Register stays disabled while they differ (issue 18, defect 8).
    await expect(dialog.getByRole('button', { name: 'Register', exact: true })).toBeDisabled();
    await expect(dialog.getByLabel('Secret again')).toHaveAttribute('aria-invalid', 'true');
    expect(calls).toEqual([]);

    // The same secret twice: the engine answers the hand-off for the chosen node.
    await dialog.getByLabel('Secret again').fill(secret);
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();
    const handoff = page.getByRole('dialog', { name: `Register on ${target} by hand` });
    await expect(handoff).toBeVisible();
    expect(calls).toHaveLength(1);
    await expect(handoff).toContainText(`On ${target} itself, not through the balancer`);
    const steps = handoff.getByRole('listitem');
    await expect(steps.filter({ hasText: 'OAuth Consumer Management' })).toContainText('Register Consumer');
    const fill = steps.filter({ hasText: 'Consumer Name' });
    await expect(fill).toContainText(`Consumer Name "${name}"`);
    await expect(fill).toContainText(`Consumer Key "${key}"`);
    await expect(fill).toContainText('the Consumer Secret twice');
    await expect(fill).toContainText('tick Trusted');
    await expect(steps.filter({ hasText: 'super-user' })).toContainText(targetUrl);
    await expect(handoff.locator('dl')).toContainText(name);
    await expect(handoff.locator('dl')).toContainText(key);
    await expect(handoff.locator('dl')).not.toContainText(secret);
    await shots(page, info, 'register-cq-handoff');
    await accessible(page, 'register-cq-handoff');

    // Browser mode opens the chosen node's own page in a new tab.
    const [admin] = await Promise.all([
      context.waitForEvent('page'),
      handoff.getByRole('button', { name: `Open ${target}'s admin page` }).click(),
    ]);
    await admin.waitForLoadState();
    expect(new URL(admin.url()).origin).toBe(new URL(targetUrl).origin);
    await expect(admin.getByTestId('node-id')).toHaveText(`Served by ${target}`);
    await admin.getByLabel('User ID').fill(sandbox.admin.user);
    await admin.getByLabel('Password').fill(sandbox.admin.password);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await expect(admin.getByRole('heading', { name: 'OAuth Consumer Management' })).toBeVisible();
    await expect(admin.getByTestId('node-id')).toHaveText(`Served by ${target}`);
    const form = admin.getByTestId('register-form');
    await form.getByLabel('Consumer Name').fill(name);
    await form.getByLabel('Consumer Key').fill(key);
    await form.getByLabel('Consumer Secret', { exact: true }).fill(secret);
    await form.getByLabel('Retype Consumer Secret').fill(secret);
    await form.getByLabel('Trusted').check();
    await shots(admin, info, 'register-cq-admin-form');
    await form.getByRole('button', { name: 'Register' }).click();
    await expect(admin.getByTestId('cq-admin-message')).toContainText(
      `Consumer ${name} is registered with key ${key}.`,
    );
    const authorized = admin.locator(`[data-testid="authorized-row"][data-key="${key}"]`);
    await expect(authorized).toBeVisible();
    await expect(authorized).toContainText(name);
    await expect(authorized).toContainText('yes');
    await shots(admin, info, 'register-cq-admin-registered');
    await accessible(admin, 'register-cq-admin-registered');
    await admin.close();

    // Back in the console: finish the hand-off as the dialog offers: done, and the console re-probes.
    const runs = await console.statusRuns();
    await handoff.getByRole('button', { name: 'Done — re-probe' }).click();
    await console.waitForStatus(runs);
    await expect(handoff).toContainText(`Now on ${target}: `);
    await expect(handoff).toContainText('approved');
    // The console tracks the key registered by hand (the engine kept it, its secret in the keychain).
    expect(await console.chipState(target, key)).toBe('approved');
    for (const id of nodes.filter((n) => n !== target)) expect(await console.chipState(id, key)).toBe('missing');
    await shots(page, info, 'register-cq-reprobed');
    await handoff.getByRole('button', { name: 'Close' }).click();
    await expect(handoff).toBeHidden();

    await console.syncToApproved(key, nodes);
    await shots(page, info, 'register-cq-after-sync');
    await accessible(page, 'register-cq-after-sync');

    for (const n of sandbox.nodes)
      expect(await requestTokenStatus(`${n.url}${REQUEST_TOKEN_PATH.clearquest}`, key, secret), n.id).toBe(200);
    expect(calls).toHaveLength(1);
    expect(served.output()).not.toContain(secret);
  },
);

const jazzTest = servedWith(['--dialect', 'jazz']);

jazzTest(
  'Jazz: Register consumer creates the key at oauth-request-consumer (provisional on one node), then the approval hand-off is acted out there; re-probe, sync',
  async ({ page, served }, info) => {
    const console = new ConsolePage(page);
    const { sandbox, nodes } = await console.openSandbox(served, 'jazz');
    const calls = registerCalls(page);
    const target = nodes[1]!;
    const targetUrl = sandbox.nodes.find((n) => n.id === target)!.url;
    const name = 'Jenkins';
    const secret = 'jenkins-jazz-secret';

    const dialog = await openRegister(page);
    await dialog.getByLabel('Consumer name').fill(name);
    await dialog.getByLabel('Secret', { exact: true }).fill(secret);
    await dialog.getByLabel('Secret again').fill(secret);
    await dialog.getByLabel('Register on node').selectOption(target);
    const runs = await console.statusRuns();
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();

    // The engine registered it (oauth-request-consumer); approval is the hand-off, on that node.
    const handoff = page.getByRole('dialog', { name: `Approve on ${target} by hand` });
    await expect(handoff).toBeVisible();
    expect(calls).toHaveLength(1);
    await console.waitForStatus(runs);
    const key = ((await handoff.locator('code').first().textContent()) ?? '').trim();
    expect(key).not.toBe('');
    const link = `${targetUrl}${APPROVAL_MODULE}?key=${encodeURIComponent(key)}`;
    await expect(handoff).toContainText(`${key} is registered on ${target}, provisional there`);
    await expect(handoff).not.toContainText('no registration API');
    await expect(handoff).toContainText(link);
    await expect(handoff).toContainText(`Approve the provisional key ${key}`);
    expect(await console.chipState(target, key)).toBe('provisional');
    for (const id of nodes.filter((n) => n !== target)) expect(await console.chipState(id, key)).toBe('missing');
    // The long approval link wraps inside the dialog instead of running out of it.
    const overflow = await handoff.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow, 'the hand-off runs out of its dialog').toBeLessThanOrEqual(0);
    await shots(page, info, 'register-jazz-handoff');
    await accessible(page, 'register-jazz-handoff');

    // The approval link opens in a new tab on that node; form login returns to it; Approve.
    await approveOnJazzNode(
      page,
      handoff.getByRole('button', { name: `Open ${target}'s admin page` }),
      { sandbox, node: target, link, key, name },
      { info, prefix: 'register-jazz' },
    );

    // Back in the console: re-probe (approved there, missing elsewhere), then sync.
    await console.handoffDone(handoff, target, key, nodes);
    await handoff.getByRole('button', { name: 'Close' }).click();
    await expect(handoff).toBeHidden();

    await console.syncToApproved(key, nodes);
    await shots(page, info, 'register-jazz-after-sync');
    await accessible(page, 'register-jazz-after-sync');

    for (const n of sandbox.nodes)
      expect(await requestTokenStatus(`${n.url}${REQUEST_TOKEN_PATH.jazz}`, key, secret), n.id).toBe(200);
    expect(calls).toHaveLength(1);
    expect(served.output()).not.toContain(secret);
  },
);
