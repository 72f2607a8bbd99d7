// Unit tests forbid the network: any real outbound connection through undici's global dispatcher or
// node:net fails loudly. Tests that need HTTP use undici's MockAgent explicitly.
import net from 'node:net';
import { beforeAll, afterAll } from 'vitest';

const original = net.Socket.prototype.connect;

beforeAll(() => {
  net.Socket.prototype.connect = function blocked(this: net.Socket, ...args: unknown[]) {
    void args;
    throw new Error(
      'Unit tests must not open network connections (test/_no-network.ts); use a MockAgent or move the test to test/integration.',
    );
  } as typeof original;
});

afterAll(() => {
  net.Socket.prototype.connect = original;
});
