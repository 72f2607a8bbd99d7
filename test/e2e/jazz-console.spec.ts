/**
 * A Jazz admin's day through the console, on a Jazz-dialect sandbox (`serve --sandbox --dialect jazz`),
 * in Debian Chromium: every node up; RTC asks for a consumer key at `oauth-request-consumer` through the
 * balancer and one node's memory holds it provisional; the console shows it provisional on that node
 * only. Jazz has no approval API, so Approve is a hand-off to that node's approval module link
 * (rootservices `oauthApprovalModuleUrl?key=<key>`, [D] Lyo RootServicesHelper): browser mode opens it
 * in a new tab on that node itself; there the admin logs in (Jazz form login, `j_security_check`) and
 * approves the key. Back in the console: re-probe (approved there, missing elsewhere), sync ("log in
 * to every node"), every node approved; then an independent OAuth 1.0a signer gets a request token
 * from every node at Jazz's own path.
 */
import { ConsolePage } from './_console-page.ts';
import { approveOnJazzNode } from './_jazz-node.ts';
import { REQUEST_TOKEN_PATH, requestTokenStatus } from './_signer.ts';
import { accessible, shots } from './_look.ts';
import { expect, servedWith } from './_serve.ts';

const test = servedWith(['--dialect', 'jazz']);

const APPROVAL_MODULE = '/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth';

test('Jazz: approve is a hand-off to the holding node’s approval module link (form login, Approve), then sync logs in to every node', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  const { sandbox, nodes } = await console.openSandbox(served, 'jazz');
  await shots(page, info, 'jazz-map-up');

  // RTC makes a friendship: POST /jts/oauth-request-consumer through the balancer; one node holds the key.
  const secret = 'rtc-jazz-secret';
  const { key, node: holder } = await console.simulateFriendship('RTC', secret);
  expect(nodes).toContain(holder);
  expect(await console.chipState(holder, key)).toBe('provisional');
  for (const id of nodes.filter((n) => n !== holder)) expect(await console.chipState(id, key)).toBe('missing');
  await shots(page, info, 'jazz-map-provisional');
  await accessible(page, 'jazz-map-provisional');

  // Approve: Jazz has no approval API, so the console hands off to the holder's approval module link.
  const holderUrl = sandbox.nodes.find((n) => n.id === holder)!.url;
  const link = `${holderUrl}${APPROVAL_MODULE}?key=${encodeURIComponent(key)}`;
  const panel = await console.openNode(holder);
  await expect(panel.getByRole('region', { name: 'Provisional keys' })).toContainText(key);
  await panel.getByRole('button', { name: 'Approve', exact: true }).click();
  const approval = panel.getByRole('region', { name: 'Approval' });
  await expect(approval).toContainText(`Approve on ${holder} by hand`);
  await expect(approval).toContainText(link);
  await expect(approval).toContainText(`Approve the provisional key ${key}`);
  await expect(approval).toContainText('oauthApprovalModuleUrl?key=');
  // The long link wraps inside the panel instead of running out of it.
  const overflow = await approval.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow, 'the hand-off runs out of its box').toBeLessThanOrEqual(0);
  await shots(page, info, 'jazz-handoff');
  await accessible(page, 'jazz-handoff');

  // Browser mode opens the approval link in a new tab, on the holding node itself (not the balancer).
  await approveOnJazzNode(
    page,
    approval.getByRole('button', { name: `Open ${holder}'s admin page` }),
    { sandbox, node: holder, link, key, name: 'RTC' },
    { info, prefix: 'jazz' },
  );

  // Back in the console: re-probe shows it approved on the holder, still missing on the others.
  await console.handoffDone(approval, holder, key, nodes);
  await shots(page, info, 'jazz-reprobed');
  await page.keyboard.press('Escape');

  // Sync: Jazz has no registry refresh; the console logs in to every node (form login), as admins do.
  await console.syncToApproved(key, nodes);
  await shots(page, info, 'jazz-after-sync');
  await accessible(page, 'jazz-after-sync');

  for (const n of sandbox.nodes)
    expect(await requestTokenStatus(`${n.url}${REQUEST_TOKEN_PATH.jazz}`, key, secret), n.id).toBe(200);
  expect(served.output()).not.toContain(secret);
});
