/** The Diagnose tab: a verdict's causes become fix buttons that run (sync, approve, trust after a confirmation). */
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import DiagnoseTab from '../../renderer/components/diagnose-tab.svelte';
import { DiagnoseRun, fixButtonOf, fixStepOf } from '../../renderer/lib/diagnose-run.svelte.ts';
import { Task } from '../../renderer/lib/task.svelte.ts';
import type { Cause, DiagnosedNode, Diagnosis } from '../../shared/diagnose.ts';
import type { Api } from '../../shared/contract.ts';
import { DEFINITION, fakeApi } from './_fake-api.ts';

function node(id: string, state: DiagnosedNode['state']): DiagnosedNode {
  return {
    id,
    url: `http://127.0.0.1:900${id.slice(-1)}`,
    state,
    up: true,
    latencyMs: 4,
    clockSkewSeconds: 0,
    tls: null,
    listed: null,
    problem: state === 'missing' ? 'invalid_expired_token' : null,
    error: null,
    notes: [],
    evidence: [],
  };
}

const STALE: Cause = {
  code: 'REGISTRY_STALE',
  severity: 'error',
  nodes: ['node2', 'node3'],
  likely: true,
  message: 'Key k1 is approved and loaded on node1, but not on node2 and node3.',
  fix: { action: 'sync', args: { cluster: 'sb' } },
};
const PROVISIONAL: Cause = {
  code: 'KEY_PROVISIONAL',
  severity: 'error',
  nodes: ['node1'],
  likely: false,
  message: 'Key k1 is provisional on node1.',
  fix: { action: 'approve', args: { cluster: 'sb', key: 'k1', node: 'node1' } },
};
const UNTRUSTED: Cause = {
  code: 'TLS_UNTRUSTED',
  severity: 'warning',
  nodes: ['node3'],
  likely: false,
  message: 'node3 presented a self-signed certificate.',
  fix: { action: 'trust-certificate', args: { cluster: 'sb', node: 'node3', fingerprint256: 'AB:CD' } },
};
const LOST: Cause = {
  code: 'PROVISIONAL_KEY_LOST',
  severity: 'error',
  nodes: ['node1'],
  likely: false,
  message: 'Lost.',
  fix: { action: 'register', args: { cluster: 'sb', key: 'k1' } },
};
const HEALTHY: Cause = {
  code: 'HEALTHY',
  severity: 'ok',
  nodes: ['node1', 'node2', 'node3'],
  likely: false,
  message: 'Every node accepts k1.',
  fix: null,
};

function diagnosis(causes: Cause[], nodes: DiagnosedNode[]): Diagnosis {
  return {
    cluster: 'sb',
    key: 'k1',
    checkedAt: new Date().toISOString(),
    durationMs: 40,
    secretChecked: true,
    causes,
    nodes,
    balancer: {
      url: 'http://127.0.0.1:9000',
      reachable: true,
      reached: ['node1', 'node2'],
      sticky: false,
      summary: '1 of 2 failed',
      error: null,
      tls: null,
      evidence: [],
      probes: [
        { n: 1, withCookie: false, answeredBy: 'node1', status: 200, state: 'approved', problem: null, latencyMs: 3 },
        {
          n: 2,
          withCookie: true,
          answeredBy: 'node2',
          status: 401,
          state: 'missing',
          problem: 'invalid_expired_token',
          latencyMs: 3,
        },
      ],
    },
    errorText: null,
    notices: [],
  };
}

const stale = diagnosis([STALE], [node('node1', 'approved'), node('node2', 'missing'), node('node3', 'missing')]);
const healthy = diagnosis([HEALTHY], [node('node1', 'approved'), node('node2', 'approved'), node('node3', 'approved')]);

function harness(api: Api) {
  const view = { name: 'sb', definition: DEFINITION, reloadDefinition: vi.fn(async () => true) };
  const sync = { start: vi.fn(async () => {}), task: new Task(), consistent: true, active: false };
  const approve = { approve: vi.fn(async () => ({ key: 'k1', node: 'node1' }) as never), task: new Task() };
  const run = new DiagnoseRun(api, view, sync, approve);
  return { run, view, sync, approve };
}

describe('fix buttons of causes', () => {
  it('offers a button for the fixes this console can run, and words for the ones a person does', () => {
    expect(fixButtonOf(STALE)?.label).toBe('Sync all nodes');
    expect(fixButtonOf(PROVISIONAL)?.label).toBe('Approve on node1');
    expect(fixButtonOf(UNTRUSTED)?.label).toBe('Trust the certificate of node3');
    expect(fixButtonOf(UNTRUSTED)?.explains).toContain('AB:CD');
    expect(fixButtonOf(LOST)).toBeNull();
    expect(fixStepOf(LOST)).toContain('Register the consumer with key k1');
    expect(fixButtonOf(HEALTHY)).toBeNull();
    expect(fixStepOf(HEALTHY)).toBeNull();
  });
});

describe('DiagnoseRun', () => {
  it('fills the nodes as their progress events arrive, then takes the verdict', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi({
      diagnose: async (_arg: unknown, opts: { onProgress: (e: unknown) => void }) => {
        opts.onProgress({ type: 'node', node: stale.nodes[0] });
        await gate;
        opts.onProgress({ type: 'balancer', balancer: stale.balancer });
        return stale;
      },
    });
    const { run } = harness(api);
    run.key = 'k1';
    run.errorText = '401: invalid_expired_token';
    const done = run.run();
    await vi.waitFor(() => expect(run.nodes.map((n) => n.id)).toEqual(['node1']));
    expect(run.task.running).toBe(true);
    release();
    await done;
    expect(api.diagnose).toHaveBeenCalledWith(
      { cluster: 'sb', consumerKey: 'k1', errorText: '401: invalid_expired_token' },
      expect.anything(),
    );
    expect(run.result?.causes.map((c) => c.code)).toEqual(['REGISTRY_STALE']);
    expect(run.nodes).toHaveLength(3);
    expect(run.healthy).toBe(false);
  });

  it('stores the secret in the keychain only when "Remember" is ticked, then forgets it in the window', async () => {
    const api = fakeApi({ diagnose: async () => healthy, trackConsumer: async () => DEFINITION });
    const { run } = harness(api);
    run.key = 'k1';
    run.secret = 's3cret';
    await run.run();
    expect(api.trackConsumer).not.toHaveBeenCalled();
    expect(api.diagnose).toHaveBeenLastCalledWith(
      { cluster: 'sb', consumerKey: 'k1', secret: 's3cret' },
      expect.anything(),
    );
    run.remember = true;
    await run.run();
    expect(api.trackConsumer).toHaveBeenCalledWith({ cluster: 'sb', key: 'k1', secret: 's3cret' }, expect.anything());
    expect(run.secret).toBe('');
  });

  it('Sync runs the sync, then diagnoses again and shows the new verdict', async () => {
    const answers = [stale, healthy];
    const api = fakeApi({ diagnose: async () => answers.shift() });
    const { run, sync } = harness(api);
    run.key = 'k1';
    await run.run();
    await run.applyFix(run.result!.causes[0]!);
    expect(sync.start).toHaveBeenCalledTimes(1);
    expect(api.diagnose).toHaveBeenCalledTimes(2);
    expect(run.healthy).toBe(true);
  });

  it('Approve on node X approves on that node, then diagnoses again', async () => {
    const api = fakeApi({ diagnose: async () => healthy });
    const { run, approve } = harness(api);
    run.key = 'k1';
    await run.applyFix(PROVISIONAL);
    expect(approve.approve).toHaveBeenCalledWith('k1', 'node1');
    expect(api.diagnose).toHaveBeenCalledTimes(1);
    expect(run.fixMessage).toBe('Approved k1 on node1.');
  });

  it('Trust asks first: nothing is pinned until the admin confirms, then the fingerprint of the cause is', async () => {
    const api = fakeApi({
      diagnose: async () => healthy,
      trustCertificate: async () => ({ cluster: 'sb', pinned: ['AB:CD'] }),
    });
    const { run } = harness(api);
    run.key = 'k1';
    await run.applyFix(UNTRUSTED);
    expect(run.confirmTrust).toEqual(UNTRUSTED);
    expect(api.trustCertificate).not.toHaveBeenCalled();
    run.trustCancelled();
    expect(run.confirmTrust).toBeNull();
    await run.applyFix(UNTRUSTED);
    await run.trustConfirmed();
    expect(api.trustCertificate).toHaveBeenCalledWith({ cluster: 'sb', fingerprint256: 'AB:CD', node: 'node3' });
    expect(api.diagnose).toHaveBeenCalledTimes(1);
  });

  it('Cancel aborts a running diagnosis and says so', async () => {
    const api = fakeApi({
      diagnose: (_arg: unknown, opts: { signal: AbortSignal }) =>
        new Promise((_r, reject) =>
          opts.signal.addEventListener('abort', () => reject(new DOMException('x', 'AbortError'))),
        ),
    });
    const { run } = harness(api);
    run.key = 'k1';
    const done = run.run();
    run.cancel();
    await done;
    expect(run.task.cancelled).toBe(true);
    expect(run.task.error).toBeNull();
    expect(run.result).toBeNull();
  });
});

describe('DiagnoseTab', () => {
  it('lists the causes in words with the nodes named, a button per runnable fix, and the balancer strip', async () => {
    const answers = [diagnosis([STALE, LOST], stale.nodes), healthy];
    const api = fakeApi({ diagnose: async () => answers.shift() });
    const h = harness(api);
    const diagnose = new DiagnoseRun(api, h.view, h.sync, h.approve);
    const session = {
      api,
      view: h.view,
      sync: h.sync,
      approve: h.approve,
      diagnose,
      focus: { key: 'k1' },
      go: vi.fn(),
    };
    render(DiagnoseTab, { session: session as never });
    const verdict = await screen.findByRole('region', { name: 'Verdict' });
    expect(verdict.textContent).toContain('Stale registry on some nodes');
    expect(verdict.textContent).toContain('node2, node3');
    expect(verdict.textContent).toContain('Register the consumer with key k1');
    expect(
      within(verdict)
        .getAllByRole('button')
        .map((b) => b.textContent?.trim()),
    ).toEqual(['Sync all nodes']);
    const strip = screen.getByRole('region', { name: 'Balancer answers' });
    expect(within(strip).getByLabelText('Request 2 with the session cookie: node2, missing, HTTP 401')).toBeTruthy();
    expect(screen.getByLabelText('node2: missing')).toBeTruthy();
    await fireEvent.click(within(verdict).getByRole('button', { name: 'Sync all nodes' }));
    await vi.waitFor(() => expect(screen.getByRole('region', { name: 'Verdict' }).textContent).toContain('Healthy'));
    flushSync();
    expect(h.sync.start).toHaveBeenCalledTimes(1);
  });
});

describe('causeTitle (issue 18, defect 16)', () => {
  it('does not say "No node knows this key" when some nodes could not be checked', async () => {
    const { causeTitle } = await import('../../renderer/lib/diagnose-run.svelte.ts');
    expect(causeTitle({ code: 'KEY_UNKNOWN' })).toBe('No node knows this key');
    expect(causeTitle({ code: 'KEY_UNKNOWN', unchecked: ['node2', 'node3'] })).toBe(
      'No node that answered knows this key (node2, node3 could not be checked)',
    );
    expect(causeTitle({ code: 'TLS_UNTRUSTED', unchecked: ['node2'] })).toBe('An untrusted certificate');
  });
});

describe('DiagnoseTab trust dialog', () => {
  it('is the same Trust certificate dialog as on the map, the panel and the keys (one wording)', async () => {
    const untrusted = diagnosis(
      [UNTRUSTED],
      [node('node1', 'approved'), node('node2', 'approved'), node('node3', 'tls-untrusted')],
    );
    const api = fakeApi({ diagnose: async () => untrusted });
    const h = harness(api);
    const session = {
      api,
      view: h.view,
      sync: h.sync,
      approve: h.approve,
      diagnose: h.run,
      focus: { key: 'k1' },
      go: vi.fn(),
    };
    render(DiagnoseTab, { session: session as never });
    await fireEvent.click(await screen.findByRole('button', { name: 'Trust the certificate of node3' }));
    flushSync();
    const dialog = document.querySelector('dialog.trust-dialog')!;
    expect(dialog.textContent).toContain('Trust the certificate node3 presented?');
    expect(dialog.textContent).toContain('AB:CD');
    expect(api.trustCertificate).not.toHaveBeenCalled();
  });
});
