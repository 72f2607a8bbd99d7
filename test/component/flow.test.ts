/** The Flow tab: legs from the flow's progress events, the request token's live countdown, the authorize link. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import FlowTab from '../../renderer/components/flow-tab.svelte';
import { FlowRun, formatCountdown } from '../../renderer/lib/flow-run.svelte.ts';
import type { FlowEvent, FlowResult, FlowStep } from '../../shared/diagnose.ts';
import { DEFINITION, fakeApi } from './_fake-api.ts';

afterEach(() => vi.useRealTimers());

function step(leg: FlowStep['leg'], name: FlowStep['name'], answeredBy: string | null, ok = true): FlowStep {
  return {
    leg,
    name,
    url: `http://127.0.0.1:9000/${name}`,
    answeredBy,
    status: ok ? 200 : 401,
    ok,
    latencyMs: 7,
    startedAt: new Date().toISOString(),
    problem: ok ? null : 'token_rejected',
    message: `${name} done`,
    exchange: {
      request: { method: 'POST', url: `http://127.0.0.1:9000/${name}`, headers: { authorization: 'OAuth [redacted]' } },
      response: { status: 200, headers: {}, body: 'oauth_token=[redacted]' },
      latencyMs: 7,
      answeredBy,
    },
    error: null,
  };
}

/** A flow that stops at the authorize leg until the test lets the callback arrive. */
function pausedFlow(expiresAt: string) {
  let callback!: (decision: 'allowed' | 'denied') => void;
  const decided = new Promise<'allowed' | 'denied'>((r) => (callback = r));
  const api = fakeApi({
    getCluster: async () => DEFINITION,
    flow: async (_arg: unknown, opts: { onProgress: (e: FlowEvent) => void }) => {
      opts.onProgress({ type: 'step', step: step(0, 'discovery', 'node1') });
      opts.onProgress({ type: 'step', step: step(1, 'request-token', 'node2') });
      opts.onProgress({
        type: 'authorize',
        url: 'http://127.0.0.1:9000/oauth/authorize?oauth_token=t',
        pinnedUrl: 'http://127.0.0.1:9002/oauth/authorize?oauth_token=t',
        expiresAt,
        issuedBy: 'node2',
      });
      const decision = await decided;
      opts.onProgress({ type: 'callback', decision });
      const steps = [step(0, 'discovery', 'node1'), step(1, 'request-token', 'node2'), step(2, 'authorize', null)];
      if (decision === 'allowed') steps.push(step(3, 'access-token', 'node2'), step(4, 'resource', 'node3'));
      const result: FlowResult = {
        cluster: 'sb',
        key: 'k1',
        target: 'balancer',
        outcome: decision === 'allowed' ? 'completed' : 'denied',
        message: decision,
        failedLeg: null,
        issuedBy: 'node2',
        expiresAt,
        steps,
        causes: [],
        resource: null,
        startedAt: '',
        finishedAt: '',
        notices: [],
      };
      return result;
    },
  });
  return { api, callback };
}

describe('FlowRun', () => {
  it('formats the countdown as minutes and seconds', () => {
    expect(formatCountdown(600)).toBe('10:00');
    expect(formatCountdown(65)).toBe('1:05');
    expect(formatCountdown(-3)).toBe('0:00');
  });

  it('shows each leg as its step arrives, waits for the user at authorize, and counts the token down', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date', 'setTimeout', 'clearTimeout'] });
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const { api, callback } = pausedFlow(expiresAt);
    const flow = new FlowRun(api, () => 'sb');
    flow.key = 'k1';
    const done = flow.run();
    await vi.waitFor(() => expect(flow.authorize).not.toBeNull());
    expect(api.flow).toHaveBeenCalledWith({ cluster: 'sb', consumerKey: 'k1', target: 'balancer' }, expect.anything());
    expect(flow.legs.map((l) => l.state)).toEqual(['ok', 'ok', 'waiting-for-user', 'pending', 'pending']);
    expect(flow.legs[1]!.step?.answeredBy).toBe('node2');
    expect(flow.secondsLeft).toBe(600);
    await vi.advanceTimersByTimeAsync(65_000);
    expect(flow.secondsLeft).toBe(535);
    expect(flow.pinnedAlternative).toBe('http://127.0.0.1:9002/oauth/authorize?oauth_token=t');
    callback('allowed');
    await done;
    expect(flow.result?.outcome).toBe('completed');
    expect(flow.legs.map((l) => l.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(flow.legs[4]!.step?.answeredBy).toBe('node3');
  });

  it('a Deny leaves the access-token and resource legs not run', async () => {
    const { api, callback } = pausedFlow(new Date(Date.now() + 600_000).toISOString());
    const flow = new FlowRun(api, () => 'sb');
    flow.key = 'k1';
    flow.target = 'node2';
    const done = flow.run();
    await vi.waitFor(() => expect(flow.authorize).not.toBeNull());
    expect(api.flow).toHaveBeenCalledWith(expect.objectContaining({ target: { node: 'node2' } }), expect.anything());
    callback('denied');
    await done;
    expect(flow.decision).toBe('denied');
    expect(flow.legs.map((l) => l.state)).toEqual(['ok', 'ok', 'ok', 'not-run', 'not-run']);
  });
});

describe('FlowTab', () => {
  it('offers the authorize page on the node that issued the request token first, through the balancer second', async () => {
    const { api, callback } = pausedFlow(new Date(Date.now() + 600_000).toISOString());
    const flow = new FlowRun(api, () => 'sb');
    const session = {
      api,
      view: { name: 'sb', definition: DEFINITION },
      flow,
      focus: { key: 'k1' },
      go: vi.fn(),
      sandbox: { view: { adminLogin: { user: 'admin', password: 'throwaway-pw' } } },
    };
    render(FlowTab, { session: session as never });
    screen.getByRole('button', { name: 'Start the flow' }).click();
    // Issue 18, defect 6: the token lives on node2 only; the primary link goes there, not through the balancer.
    const link = await screen.findByRole('link', { name: 'Open the authorize page on node2' });
    expect(link.getAttribute('href')).toBe('http://127.0.0.1:9002/oauth/authorize?oauth_token=t');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener');
    expect(link.getAttribute('data-variant')).toBe('primary');
    expect(screen.getByRole('link', { name: 'Open it through the balancer' }).getAttribute('href')).toBe(
      'http://127.0.0.1:9000/oauth/authorize?oauth_token=t',
    );
    // The embedded sandbox's authorize page asks for its admin login: the console shows it.
    expect(screen.getByTestId('flow-sandbox-login').textContent).toContain('throwaway-pw');
    expect(screen.getByLabelText('Request token: ok').textContent).toContain('answered by node2');
    expect(screen.getByTestId('countdown').textContent).toMatch(/^(10:00|9:5\d)$/);
    callback('allowed');
    await screen.findByRole('region', { name: 'Outcome' });
    expect(screen.getByLabelText('Protected resource: ok')).toBeTruthy();
  });
});
