/**
 * The discovery cache between processes, against the sandbox over real sockets (issue 27): a new
 * engine over the same config directory asks no node for its discovery document, answers exactly
 * what a fresh one would, and a kept entry that no longer fits is dropped and learned again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCOVERY_CACHE_FILE } from '../../electron/core/discovery-cache.ts';
import { Engine } from '../../electron/core/facade.ts';
import { HttpClient } from '../../electron/core/http/client.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';
import { approvedConsumer } from '../_sandbox.ts';

/** The URLs the engine's HTTP clients ask while `f` runs. */
async function urlsAsked<T>(f: () => Promise<T>): Promise<{ value: T; urls: string[] }> {
  const original = HttpClient.prototype.request;
  const urls: string[] = [];
  HttpClient.prototype.request = function (this: HttpClient, req) {
    urls.push(req.url);
    return original.call(this, req);
  };
  try {
    return { value: await f(), urls };
  } finally {
    HttpClient.prototype.request = original;
  }
}

const states = (s: Awaited<ReturnType<Engine['status']>>) =>
  s.nodes.map((n) => ({ id: n.id, up: n.up, consumers: n.consumers.map((c) => [c.key, c.state]) }));

describe('the discovery cache, between engines over one config directory', () => {
  let sandbox: SandboxHandle;
  let t: TestEngine;
  let secret: string;
  beforeEach(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    t = await engineFor(sandbox);
    const c = await approvedConsumer(sandbox, 'RTC', 'cache-secret-27');
    secret = c.secret;
    await t.engine.trackConsumer({ cluster: 'sb', key: c.key, name: 'RTC', secret: c.secret });
  });
  afterEach(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const nextEngine = () => new Engine({ home: t.home, secrets: new OsKeychain(t.service) });
  const nodeDiscoveries = (urls: string[]) =>
    urls.filter((u) => u.endsWith('/rootservices') && !u.startsWith(sandbox.info.balancer));

  it('lets a new engine check every node without asking any for its discovery, with the same answer', async () => {
    const first = await urlsAsked(() => t.engine.status({ cluster: 'sb' }));
    expect(nodeDiscoveries(first.urls)).toHaveLength(3);
    await t.engine.close();

    const e = nextEngine();
    try {
      const second = await urlsAsked(() => e.status({ cluster: 'sb' }));
      expect(nodeDiscoveries(second.urls)).toEqual([]);
      expect(states(second.value)).toEqual(states(first.value));
      expect(second.value.nodes.every((n) => n.consumers.every((c) => c.state === 'approved'))).toBe(true);
      // The balancer's answer is still attributed to the node whose clone id it carried (the kept one).
      const ids = sandbox.info.nodes.map((n) => n.id);
      expect(ids).toContain(first.value.balancer?.answeredBy);
      expect(ids).toContain(second.value.balancer?.answeredBy);

      const synced = await urlsAsked(() => e.sync({ cluster: 'sb' }));
      expect(nodeDiscoveries(synced.urls)).toEqual([]);
      expect(synced.value.verified.consistent).toBe(true);
    } finally {
      await e.close();
    }
    const text = await readFile(join(t.home, DISCOVERY_CACHE_FILE), 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(sandbox.info.admin.password);
    expect(text).not.toMatch(/JSESSIONID/i);
  });

  it('drops a kept discovery the nodes no longer answer to, asks them again, and keeps what they said', async () => {
    await t.engine.status({ cluster: 'sb' });
    await t.engine.close();
    const file = join(t.home, DISCOVERY_CACHE_FILE);
    const doc = JSON.parse(await readFile(file, 'utf8')) as {
      entries: Record<string, { endpoints: { requestToken: string } }>;
    };
    for (const entry of Object.values(doc.entries))
      entry.endpoints.requestToken = entry.endpoints.requestToken.replace(/requestToken$/, 'gone');
    await writeFile(file, JSON.stringify(doc));

    const e = nextEngine();
    try {
      const s = await urlsAsked(() => e.status({ cluster: 'sb' }));
      expect(s.value.nodes.every((n) => n.up && n.consumers.every((c) => c.state === 'approved'))).toBe(true);
      expect(nodeDiscoveries(s.urls)).toHaveLength(3);
    } finally {
      await e.close();
    }
    const after = await readFile(file, 'utf8');
    expect(after).not.toContain('/gone');
    expect(after).toContain('requestToken');
  });

  it('works as before when the file is corrupt, and says nothing about it', async () => {
    await writeFile(join(t.home, DISCOVERY_CACHE_FILE), '{"version":1,"entries":');
    const s = await t.engine.status({ cluster: 'sb' });
    expect(s.nodes.every((n) => n.up && n.consumers.every((c) => c.state === 'approved'))).toBe(true);
    expect(s.notices.join(' ')).not.toMatch(/discovery-cache|cache/i);
  });
});
