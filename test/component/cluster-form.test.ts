/**
 * The add / edit cluster form: the engine's own validation (shared/schema.ts, run by the stand-in
 * Api) names a field, and the form puts that message next to that input with aria-invalid and
 * aria-describedby; what names no field is a form error. Node rows are added and removed.
 */
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ClusterFormView from '../../renderer/components/cluster-form.svelte';
import { ClusterForm, fieldProblems } from '../../renderer/lib/cluster-form.svelte.ts';
import { ConsoleState } from '../../renderer/lib/console.svelte.ts';
import { ApiError } from '../../renderer/lib/client.ts';
import { toErrorInfo } from '../../shared/errors.ts';
import { clusterFromInput } from '../../shared/schema.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { DEFINITION, fakeApi } from './_fake-api.ts';

/** addCluster / updateCluster as the engine validates them, its errors as they cross the door. */
function engineLike(extra: Parameters<typeof fakeApi>[0] = {}) {
  const saved: ClusterDefinition[] = [];
  const validate = async (arg: unknown) => {
    try {
      const def = clusterFromInput(arg);
      saved.push(def);
      return def;
    } catch (e) {
      throw new ApiError(toErrorInfo(e));
    }
  };
  const summary = (d: ClusterDefinition) => ({
    name: d.name,
    kind: d.kind,
    balancerUrl: d.balancerUrl,
    nodeCount: d.nodes.length,
    consumerCount: 0,
    adminUser: null,
    embeddedSandbox: false,
  });
  /** The connection test the form runs before adding: the engine validates the input first, as checkCluster does. */
  const checkCluster = async (arg: { input?: unknown }) => {
    try {
      const def = clusterFromInput(arg.input);
      return { cluster: def.name, ok: true, nodes: [], failures: [] };
    } catch (e) {
      throw new ApiError(toErrorInfo(e));
    }
  };
  const api = fakeApi({
    addCluster: validate,
    updateCluster: validate,
    checkCluster,
    listClusters: async () => ({ clusters: saved.map(summary), notices: [] }),
    getCluster: async () => saved.at(-1) ?? DEFINITION,
    status: async () => ({ cluster: 'x', kind: 'lyo', checkedAt: '', nodes: [], drift: [], notices: [] }),
    ...extra,
  });
  return { api, saved };
}

function fillGood(form: ClusterForm): void {
  form.name = 'prod';
  form.kind = 'lyo';
  form.balancerUrl = 'https://lb.example.com/oslc';
  form.nodes[0]!.url = 'https://n1.example.com/oslc';
  form.addNode().url = 'https://n2.example.com/oslc';
}

describe('fieldProblems', () => {
  it('splits "Invalid cluster: a.b: …; c: …" into one problem per field path', () => {
    const problems = fieldProblems({
      code: 'BAD_INPUT',
      message: 'Invalid cluster: nodes.1.url: must be an http:// or https:// URL; name: must not be empty',
      details: { field: 'nodes.1.url' },
    });
    expect(problems).toEqual([
      { field: 'nodes.1.url', message: 'must be an http:// or https:// URL' },
      { field: 'name', message: 'must not be empty' },
    ]);
  });

  it('falls back to details.field with the whole message, names "name" for CLUSTER_EXISTS, nothing otherwise', () => {
    expect(fieldProblems({ code: 'BAD_INPUT', message: 'not JSON', details: { field: 'json' } })).toEqual([
      { field: 'json', message: 'not JSON' },
    ]);
    expect(fieldProblems({ code: 'CLUSTER_EXISTS', message: 'A cluster named "a" already exists' })[0]?.field).toBe(
      'name',
    );
    expect(fieldProblems({ code: 'CONFIG_UNWRITABLE', message: 'disk full' })).toEqual([]);
  });
});

describe('ClusterForm state', () => {
  it("places the engine's error for the second node's URL on that row, and nothing on the form", async () => {
    const { api } = engineLike();
    const form = new ClusterForm(api);
    fillGood(form);
    form.nodes[1]!.url = 'ftp://x';
    expect(await form.submit()).toBeNull();
    expect(Object.keys(form.errors)).toEqual(['nodes.1.url']);
    expect(form.error('nodes.1.url')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(form.formError).toBeNull();
  });

  it('asks a ClearQuest cluster for its repository and database, and names the one missing', async () => {
    const { api } = engineLike();
    const form = new ClusterForm(api);
    fillGood(form);
    form.kind = 'clearquest';
    expect(form.asksRepository).toBe(true);
    form.repo = 'cqschema';
    expect(await form.submit()).toBeNull();
    expect(form.error('db')).toMatch(/needs its repository and database names/);
    form.db = 'SAMPL';
    const saved = await form.submit();
    expect(saved).toMatchObject({ repo: 'cqschema', db: 'SAMPL', kind: 'clearquest' });
  });

  it('sends ids only where typed, timeouts as numbers, no repository for Lyo, and a CA bundle read from a file', async () => {
    const { api } = engineLike();
    const form = new ClusterForm(api);
    fillGood(form);
    form.repo = 'ignored';
    form.nodes[0]!.id = 'lyo_1';
    form.connectMs = '2500';
    await form.readCaFile(new Blob(['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']));
    const input = form.toInput();
    expect(input.nodes).toEqual([
      { id: 'lyo_1', url: 'https://n1.example.com/oslc' },
      { url: 'https://n2.example.com/oslc' },
    ]);
    expect(input.timeouts).toEqual({ connectMs: 2500 });
    expect(input.repo).toBeNull();
    expect(input.caPem).toContain('BEGIN CERTIFICATE');
    const saved = await form.submit();
    expect(saved?.nodes.map((n) => n.id)).toEqual(['lyo_1', 'node2']);
    expect(saved?.timeouts).toEqual({ connectMs: 2500, totalMs: 15000 });
  });

  it('a timeout out of range is named next to its input', async () => {
    const { api } = engineLike();
    const form = new ClusterForm(api);
    fillGood(form);
    form.totalMs = '5';
    await form.submit();
    expect(form.error('timeouts.totalMs')).toMatch(/100/);
  });

  it('removing a node row drops its message and moves the messages of the rows after it up', () => {
    const form = new ClusterForm(fakeApi());
    form.addNode();
    form.addNode();
    form.errors = { 'nodes.0.url': 'a', 'nodes.1.url': 'b', 'nodes.2.id': 'c', name: 'n' };
    form.removeNode(1);
    expect(form.nodes).toHaveLength(2);
    expect(form.errors).toEqual({ 'nodes.0.url': 'a', 'nodes.1.id': 'c', name: 'n' });
  });

  it('an error that names no field of the form is a form error', async () => {
    const api = fakeApi({
      addCluster: async () => {
        throw new ApiError({ code: 'CONFIG_UNWRITABLE', message: 'The config file cannot be written: disk full' });
      },
    });
    const form = new ClusterForm(api);
    fillGood(form);
    await form.submit();
    expect(form.errors).toEqual({});
    expect(form.formError?.code).toBe('CONFIG_UNWRITABLE');
  });

  it('edit: loads the definition, keeps the loaded labels and calls updateCluster', async () => {
    const { api } = engineLike({ getCluster: async () => DEFINITION });
    const form = new ClusterForm(api, 'sb');
    expect(await form.load()).toBe(true);
    expect(form.nodes.map((n) => n.url)).toEqual(DEFINITION.nodes.map((n) => n.url));
    expect(form.repo).toBe('cqschema');
    form.nodes[2]!.url = 'http://127.0.0.1:9999';
    await form.submit();
    expect(api.updateCluster).toHaveBeenCalledOnce();
    expect(api.addCluster).not.toHaveBeenCalled();
    const sent = (api.updateCluster as unknown as { mock: { calls: [{ nodes: { label?: string }[] }][] } }).mock
      .calls[0]![0];
    expect(sent.nodes.map((n) => n.label ?? null)).toEqual(['node1', 'node2', null]);
  });
});

describe('ClusterForm component', () => {
  it("shows the engine's message next to the bad node URL, with aria-invalid and aria-describedby", async () => {
    const { api } = engineLike();
    const app = new ConsoleState(api);
    app.screen = { kind: 'cluster-form', edit: null };
    render(ClusterFormView, { app });
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'prod' } });
    await fireEvent.input(screen.getByLabelText('Balancer URL'), { target: { value: 'https://lb.example.com' } });
    await fireEvent.input(screen.getByLabelText('Node 1 URL'), { target: { value: 'https://n1.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: '+ Add node' }));
    await fireEvent.input(screen.getByLabelText('Node 2 URL'), { target: { value: 'ftp://x' } });
    await fireEvent.click(screen.getByRole('button', { name: /^(Test and add|Add) cluster$/ }));

    const bad = screen.getByLabelText('Node 2 URL');
    await waitFor(() => expect(bad.getAttribute('aria-invalid')).toBe('true'));
    const described = document.getElementById(bad.getAttribute('aria-describedby')!);
    expect(described?.textContent).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(screen.getByLabelText('Node 1 URL').getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();

    // Typing in the field clears its message; a good URL then adds the cluster and opens it.
    await fireEvent.input(bad, { target: { value: 'https://n2.example.com' } });
    expect(bad.getAttribute('aria-invalid')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: /^(Test and add|Add) cluster$/ }));
    await waitFor(() => expect(app.screen.kind).toBe('cluster'));
    expect(app.list.selectedName).toBe('prod');
  });

  it('adds only after the connection test passed; a failed test offers "Save anyway" naming what failed, and the fix button', async () => {
    let calls = 0;
    const failing = {
      cluster: 'prod',
      ok: false,
      failures: ['node1: discovery — https://n1.example.com/oslc/repo/cqschema/discovery answered 404'],
      nodes: [
        {
          node: 'node1',
          url: 'https://n1.example.com',
          tls: null,
          product: null,
          items: [
            {
              check: 'discovery',
              verdict: 'fail',
              text: 'answered 404',
              fix: 'Did you mean https://n1.example.com/cqweb? The context root is /cqweb.',
              apply: { kind: 'context-root', node: 'node1', url: 'https://n1.example.com/cqweb' },
            },
          ],
        },
      ],
    };
    const { api, saved } = engineLike({
      checkCluster: async (arg: { input?: { nodes: { url: string }[] } }) => {
        calls++;
        return arg.input?.nodes[0]?.url.endsWith('/cqweb')
          ? { cluster: 'prod', ok: true, nodes: [], failures: [] }
          : failing;
      },
    });
    const app = new ConsoleState(api);
    app.screen = { kind: 'cluster-form', edit: null };
    render(ClusterFormView, { app });
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'prod' } });
    await fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'clearquest' } });
    await fireEvent.input(screen.getByLabelText('Balancer URL'), { target: { value: 'https://lb.example.com/cqweb' } });
    await fireEvent.input(screen.getByLabelText('Schema repository'), { target: { value: 'cqschema' } });
    await fireEvent.input(screen.getByLabelText('User database'), { target: { value: 'SAMPL' } });
    await fireEvent.input(screen.getByLabelText('Node 1 URL'), { target: { value: 'https://n1.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Test and add cluster' }));
    const anyway = await screen.findByRole('button', { name: 'Save anyway (1 failed check)' });
    expect(saved).toHaveLength(0);
    expect(document.getElementById('save-anyway-why')?.textContent).toMatch(/node1: discovery/);
    await fireEvent.click(screen.getByRole('button', { name: 'Use https://n1.example.com/cqweb' }));
    await waitFor(() =>
      expect((screen.getByLabelText('Node 1 URL') as HTMLInputElement).value).toBe('https://n1.example.com/cqweb'),
    );
    await screen.findByRole('button', { name: 'Add cluster' });
    expect(anyway.isConnected).toBe(false);
    expect(calls).toBe(2);
    await fireEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    await waitFor(() => expect(app.screen.kind).toBe('cluster'));
    expect(saved.map((d) => d.nodes[0]!.url)).toEqual(['https://n1.example.com/cqweb']);
  });

  it("from one URL: a field error sits beside the URL; an untrusted certificate is the step's error", async () => {
    let answer: 'scheme' | 'tls' = 'scheme';
    const { api } = engineLike({
      resolveClusterUrl: async () => {
        throw new ApiError(
          answer === 'scheme'
            ? {
                code: 'BAD_INPUT',
                message: 'from: "lbcq/cqweb" has no scheme: write https://lbcq/cqweb',
                details: { field: 'from' },
              }
            : {
                code: 'TLS_UNTRUSTED',
                message: "balancer presented a certificate that is not trusted. Give the cluster's CA bundle (--ca)",
                details: { field: 'caPem' },
              },
        );
      },
    });
    const app = new ConsoleState(api);
    app.screen = { kind: 'cluster-form', edit: null };
    render(ClusterFormView, { app });
    await fireEvent.input(screen.getByLabelText('Cluster URL'), { target: { value: 'lbcq/cqweb' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Work it out and test' }));
    const url = screen.getByLabelText('Cluster URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(url.getAttribute('aria-describedby')!)?.textContent).toMatch(/has no scheme/);
    answer = 'tls';
    await fireEvent.click(screen.getByRole('button', { name: 'Work it out and test' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/not trusted/));
    expect(url.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows repository and database only for ClearQuest and the sandbox, and a remove button per node row', async () => {
    const app = new ConsoleState(fakeApi());
    app.screen = { kind: 'cluster-form', edit: null };
    render(ClusterFormView, { app });
    expect(screen.queryByLabelText('User database')).toBeNull();
    await fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'clearquest' } });
    flushSync();
    expect(screen.getByLabelText('User database')).toBeTruthy();
    expect(screen.getByLabelText('Schema repository')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Remove node 1' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: '+ Add node' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove node 1' }));
    expect(screen.getAllByLabelText(/^Node \d URL$/)).toHaveLength(1);
  });
});
