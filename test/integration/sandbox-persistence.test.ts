// The repository in --state-dir survives a restart of the whole sandbox; node memory does not.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import { approvedConsumer, Client, formOf, requestToken, withSandbox } from '../_sandbox.ts';

let stateDir: string;
beforeEach(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-state-test-'));
});
afterEach(async () => {
  await fs.rm(stateDir, { recursive: true, force: true });
});

describe('--state-dir persistence', () => {
  it('keeps approved consumers across a restart of the whole sandbox, and loads them into every node', async () => {
    const { approved, pendingKey } = await withSandbox({ nodes: 2, stateDir }, async (sandbox) => {
      const approved = await approvedConsumer(sandbox, 'Persistent', 'persistent-secret');
      const pending = await sandbox.friend('Pending', 'pending-secret');
      return { approved, pendingKey: pending.key };
    });
    const file = await fs.readFile(path.join(stateDir, 'repository.json'), 'utf8');
    expect(JSON.parse(file)).toMatchObject({
      version: 1,
      repo: 'cqschema',
      db: 'SAMPL',
      consumers: [{ key: approved.key }],
    });

    await withSandbox({ nodes: 3, stateDir }, async (sandbox) => {
      const state = sandbox.state();
      expect(state.repository.consumers.map((c) => c.key)).toEqual([approved.key]);
      for (const n of state.nodes) {
        expect(n.registry).toEqual([approved.key]);
        expect(n.provisional).not.toContain(pendingKey);
      }
      const client = new Client();
      for (const n of sandbox.info.nodes) {
        const res = await requestToken(client, n.url, approved);
        expect(res.status).toBe(200);
        expect(formOf(res.body).oauth_callback_confirmed).toBe('true');
      }
      await client.close();
    });
  });

  it('removes the temporary state dir it created when no --state-dir was given, but keeps a given one', async () => {
    const sandbox = await startSandbox({ nodes: 1 });
    const temp = sandbox.info.stateDir;
    expect((await fs.stat(temp)).isDirectory()).toBe(true);
    await sandbox.close();
    await expect(fs.stat(temp)).rejects.toThrow();

    await withSandbox({ nodes: 1, stateDir }, async (s) => {
      expect(s.info.stateDir).toBe(stateDir);
    });
    expect((await fs.stat(stateDir)).isDirectory()).toBe(true);
  });

  it('keeps a corrupt repository file aside and starts with an empty repository', async () => {
    await fs.writeFile(path.join(stateDir, 'repository.json'), 'not json', 'utf8');
    await withSandbox({ nodes: 1, stateDir }, async (sandbox) => {
      expect(sandbox.state().repository.consumers).toEqual([]);
    });
    const names = await fs.readdir(stateDir);
    const aside = names.filter((n) => n.startsWith('repository.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await fs.readFile(path.join(stateDir, aside[0] ?? ''), 'utf8')).toBe('not json');
  });
});
