/** The sandbox's requestKey with a chosen key: how an admin re-registers a consumer whose provisional key was lost. */
import { describe, expect, it } from 'vitest';
import { Client, approveOn, withSandbox } from '../_sandbox.ts';

describe('requestKey with a chosen key', () => {
  it('creates a provisional consumer under the given key, and answers 409 for a key the node or repository knows', async () => {
    await withSandbox({ nodes: 2 }, async (sandbox) => {
      const client = Client.for(sandbox);
      try {
        const node1 = sandbox.info.nodes[0]!.url;
        const made = await client.json(`${node1}/oauth/requestKey`, { name: 'RTC', secret: 's', key: 'my-own-key' });
        expect(made.status).toBe(200);
        expect(JSON.parse(made.body)).toEqual({ key: 'my-own-key' });
        expect(sandbox.state().nodes[0]!.provisional).toEqual(['my-own-key']);
        const again = await client.json(`${node1}/oauth/requestKey`, { name: 'RTC', secret: 's', key: 'my-own-key' });
        expect(again.status).toBe(409);
        expect(again.body).toContain('exists already');
        expect((await approveOn(sandbox, 'node1', 'my-own-key')).status).toBe(204);
        // Approved keys live in the repository: another node refuses the key too.
        const elsewhere = await client.json(`${sandbox.info.nodes[1]!.url}/oauth/requestKey`, {
          name: 'RTC',
          secret: 's',
          key: 'my-own-key',
        });
        expect(elsewhere.status).toBe(409);
        const blank = await client.json(`${node1}/oauth/requestKey`, { name: 'RTC', secret: 's', key: ' ' });
        expect(blank.status).toBe(400);
        expect(blank.body).toContain('"key"');
      } finally {
        await client.close();
      }
    });
  });
});
