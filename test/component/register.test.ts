/**
 * "Register consumer": two secrets that differ keep Register disabled and are refused before anything is sent; a good one goes
 * to the chosen node (the first by default), the result says approved and verified there, and the
 * offer to sync appears when other nodes miss it; ClearQuest/Jazz show the hand-off with the fields.
 */
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import RegisterDialog from '../../renderer/components/register-dialog.svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { ClusterSession } from '../../renderer/lib/console.svelte.ts';
import { ClusterList } from '../../renderer/lib/clusters.svelte.ts';
import { RegisterForm } from '../../renderer/lib/register-form.svelte.ts';
import type { RegisterResult } from '../../shared/contract-repair.ts';
import { DEFINITION, SUMMARY, fakeApi } from './_fake-api.ts';

const APPROVED: RegisterResult = {
  key: 'k-new',
  node: 'node1',
  approved: true,
  verified: true,
  handoff: null,
  missingOn: ['node2', 'node3'],
};

const emptyStatus = async () => ({ cluster: 'sb', kind: 'sandbox', checkedAt: '', nodes: [], drift: [], notices: [] });

async function formWith(register: () => Promise<RegisterResult>) {
  const api = fakeApi({ getCluster: async () => DEFINITION, status: emptyStatus, register });
  const view = new ClusterView(api, SUMMARY);
  await view.reloadDefinition();
  const form = new RegisterForm(api, view);
  form.show();
  return { api, form };
}

describe('RegisterForm', () => {
  it('asks for the key on ClearQuest, where the node’s own form takes it by hand; elsewhere it is optional', async () => {
    const api = fakeApi({ getCluster: async () => DEFINITION, status: emptyStatus, register: async () => APPROVED });
    const cq = new RegisterForm(api, new ClusterView(api, { ...SUMMARY, kind: 'clearquest' }));
    cq.show();
    cq.name = 'Jenkins';
    cq.secret = cq.secretAgain = 's3cret';
    expect(cq.keyRequired).toBe(true);
    expect(cq.canSubmit).toBe(false);
    cq.key = 'jenkins-key';
    expect(cq.canSubmit).toBe(true);
    const { form } = await formWith(async () => APPROVED);
    form.name = 'RTC';
    form.secret = form.secretAgain = 's3cret';
    expect(form.keyRequired).toBe(false);
    expect(form.canSubmit).toBe(true);
  });

  it('refuses two secrets that differ and sends nothing', async () => {
    const { api, form } = await formWith(async () => APPROVED);
    form.name = 'RTC';
    form.secret = 'one';
    form.secretAgain = 'two';
    expect(form.secretsDiffer).toBe(true);
    expect(form.canSubmit).toBe(false);
    expect(await form.submit()).toBeNull();
    expect(form.refused?.message).toMatch(/not the same/);
    expect(api.register).not.toHaveBeenCalled();
  });

  it('sends to the first node by default, leaves the key to the provider when empty, and forgets the secret', async () => {
    const { api, form } = await formWith(async () => APPROVED);
    expect(form.node).toBe('node1');
    form.name = ' RTC ';
    form.secret = 's3cret';
    form.secretAgain = 's3cret';
    form.trusted = true;
    const result = await form.submit();
    expect(result).toEqual(APPROVED);
    expect(api.register).toHaveBeenCalledWith({
      cluster: 'sb',
      name: 'RTC',
      secret: 's3cret',
      trusted: true,
      node: 'node1',
    });
    expect(form.secret).toBe('');
    expect(form.secretAgain).toBe('');
  });
});

describe('RegisterDialog', () => {
  async function openDialog(result: RegisterResult) {
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: emptyStatus,
      register: async () => result,
      sandboxState: async () => {
        throw new Error('none');
      },
      sync: async () => ({ cluster: 'sb', nodes: [], verified: { consistent: true, drift: [] }, notices: [] }),
      openAdminPage: async () => ({ cluster: 'sb', node: 'node2', url: 'https://n2/cqweb', title: '', opened: 'tab' }),
    });
    const session = new ClusterSession(api, { ...SUMMARY, embeddedSandbox: false }, new ClusterList(api));
    await session.view.reloadDefinition();
    render(RegisterDialog, { session });
    await fireEvent.click(screen.getByRole('button', { name: 'Register consumer' }));
    await fireEvent.input(screen.getByLabelText('Consumer name'), { target: { value: 'RTC' } });
    await fireEvent.input(screen.getByLabelText('Secret'), { target: { value: 'abc' } });
    await fireEvent.input(screen.getByLabelText('Secret again'), { target: { value: 'abc' } });
    return { api, session };
  }

  it('shows approved and verified on the node, then offers Sync all nodes, which starts the sync', async () => {
    const { api } = await openDialog(APPROVED);
    await fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Registered RTC on node1' })).toBeTruthy());
    expect(document.body.textContent).toContain('verified by a probe straight to that node');
    expect(document.body.textContent).toContain('Still missing on node2, node3');
    await fireEvent.click(screen.getByRole('button', { name: 'Sync all nodes' }));
    await waitFor(() => expect(api.sync).toHaveBeenCalledOnce());
  });

  it('marks the second secret invalid and keeps Register disabled while the two differ (defect 8)', async () => {
    const { api } = await openDialog(APPROVED);
    const again = screen.getByLabelText('Secret again');
    const register = screen.getByRole('button', { name: 'Register' }) as HTMLButtonElement;
    expect(register.disabled).toBe(false);
    await fireEvent.input(again, { target: { value: 'abd' } });
    expect(again.getAttribute('aria-invalid')).toBe('true');
    expect(document.body.textContent).toContain('The two secrets are not the same yet.');
    expect(register.disabled).toBe(true);
    await fireEvent.click(register);
    expect(api.register).not.toHaveBeenCalled();
    await fireEvent.input(again, { target: { value: '' } });
    expect(register.disabled).toBe(true);
    await fireEvent.input(again, { target: { value: 'abc' } });
    expect(register.disabled).toBe(false);
  });

  it('ClearQuest: shows the hand-off with the fields to type and opens that node’s admin page', async () => {
    const { api } = await openDialog({
      key: 'k-cq',
      node: 'node2',
      approved: false,
      verified: false,
      missingOn: [],
      handoff: {
        action: 'register',
        node: 'node2',
        adminUrl: 'https://n2/cqweb',
        steps: ['Open OAuth consumers', 'Add a consumer'],
        fields: { name: 'RTC', key: 'k-cq', trusted: false },
        source: 'technote',
      },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Register on node2 by hand' })).toBeTruthy());
    expect(document.body.textContent).toContain('k-cq');
    expect(document.body.textContent).toContain('Add a consumer');
    await fireEvent.click(screen.getByRole('button', { name: "Open node2's admin page" }));
    expect(api.openAdminPage).toHaveBeenCalledWith({ cluster: 'sb', node: 'node2', url: 'https://n2/cqweb' });
  });
});
