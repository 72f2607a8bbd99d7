/**
 * Issue 12, class 1: every input the CLI reads stops at its documented limit WHILE reading and
 * answers exit 2 naming the limit. Against the real `oslc-admin` process, with /dev/zero (endless,
 * stat size 0) on stdin and as a file, and a FIFO that never ends; plus the network side (headers
 * and bodies from a node) against a real socket.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BIN, runBin } from '../_cli.ts';
import { useTempHomes } from '../_home.ts';
import { HttpClient } from '../../electron/core/http/client.ts';
import { INPUT_LIMITS, InputTooLarge, readStreamBounded } from '../../electron/cli/io.ts';
import { FileTooLarge, readFileBounded } from '../../electron/core/config/bounded-read.ts';
import { signIn, startServe } from '../_serve.ts';
import http from 'node:http';

const home = useTempHomes('oslc-harden-a-limits-');

/** Runs the real bin with /dev/zero as its stdin; never writes to it (an endless input). */
function runWithZeroStdin(args: string[], timeoutMs = 30_000): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const fd = openSync('/dev/zero', 'r');
    const child = spawn(BIN, args, { stdio: [fd, 'ignore', 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : -2), stderr });
    });
  });
}

async function homeWithCluster(): Promise<string> {
  const h = await home();
  const r = await runBin([
    'cluster',
    'add',
    'prod',
    '--kind',
    'jazz',
    '--balancer',
    'http://127.0.0.1:9/',
    '--node',
    'http://127.0.0.1:10/',
    '--home',
    h.dir,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return h.dir;
}

describe('bounded reads at the CLI door (real process)', () => {
  it('login --password-stdin < /dev/zero stops at 16 KiB and exits 2 naming the limit', async () => {
    const dir = await homeWithCluster();
    const r = await runWithZeroStdin(['login', 'prod', '--user', 'admin', '--password-stdin', '--home', dir]);
    expect(r.stderr).toMatch(/--password-stdin: .* larger than the limit of 16 KiB/);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  }, 40_000);

  it.each([
    ['consumer track --secret-stdin', ['consumer', 'track', 'prod', '--key', 'k1', '--secret-stdin']],
    ['status --password-stdin', ['status', 'prod', '--password-stdin']],
    ['sync --password-stdin', ['sync', 'prod', '--password-stdin']],
    ['probe --secret-stdin', ['probe', 'prod', '--node', 'node-1', '--key', 'k1', '--secret-stdin']],
    ['register --secret-stdin', ['register', 'prod', '--name', 'n', '--secret-stdin']],
  ])(
    '%s < /dev/zero stops at the limit and exits 2',
    async (_label, args) => {
      const dir = await homeWithCluster();
      // status/sync --password-stdin need a stored admin user first.
      await runBin(['login', 'prod', '--user', 'admin', '--password-stdin', '--no-verify', '--home', dir], {
        stdin: 'pw',
      });
      const r = await runWithZeroStdin([...args, '--home', dir]);
      expect(r.stderr).toMatch(/larger than the limit of 16 KiB/);
      expect(r.code).toBe(2);
    },
    40_000,
  );

  it.each([
    ['cluster import /dev/zero', (dir: string) => ['cluster', 'import', '/dev/zero', '--home', dir], /1 MiB/],
    [
      'cluster add --ca /dev/zero',
      (dir: string) => [
        ...['cluster', 'add', 'other', '--kind', 'jazz', '--balancer', 'http://127.0.0.1:9/'],
        ...['--node', 'http://127.0.0.1:10/', '--ca', '/dev/zero', '--home', dir],
      ],
      /--ca: \/dev\/zero is larger than the limit of 512 KiB/,
    ],
    [
      'diagnose --error-text /dev/zero',
      (dir: string) => ['diagnose', 'prod', '--key', 'k1', '--error-text', '/dev/zero', '--home', dir],
      /--error-text: \/dev\/zero is larger than the limit of 1 MiB/,
    ],
    [
      'report --error-text /dev/zero',
      (dir: string) => ['report', 'prod', '--out', `${dir}/r`, '--error-text', '/dev/zero', '--home', dir],
      /--error-text: \/dev\/zero is larger than the limit of 1 MiB/,
    ],
  ])(
    '%s stops at its limit and exits 2 naming it',
    async (_label, args, message) => {
      const dir = await homeWithCluster();
      const r = await runBin(args(dir), { timeoutMs: 30_000 });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/internal error/);
    },
    40_000,
  );

  it('a file just over the limit is refused before it is read (stat size), one at the limit is read', async () => {
    const dir = await homeWithCluster();
    const big = `${dir}/big.json`;
    writeFileSync(big, Buffer.alloc(INPUT_LIMITS.importBytes + 1, 0x20));
    const r = await runBin(['cluster', 'import', big, '--home', dir]);
    expect(r.stderr).toMatch(/larger than the limit of 1 MiB/);
    expect(r.code).toBe(2);
    const atLimit = `${dir}/ok.json`;
    writeFileSync(atLimit, Buffer.alloc(INPUT_LIMITS.importBytes, 0x20));
    const ok = await runBin(['cluster', 'import', atLimit, '--home', dir]);
    expect(ok.stderr).not.toMatch(/larger than the limit/);
    expect(ok.code).toBe(2); // blank, so not an export: a different, coded error
  });

  it('a directory given as a file is a clear exit 2', async () => {
    const dir = await homeWithCluster();
    const r = await runBin(['cluster', 'import', dir, '--home', dir]);
    expect(r.stderr).toMatch(/is a directory/);
    expect(r.code).toBe(2);
  });
});

describe('the bounded readers themselves', () => {
  it('readStreamBounded pulls at most one chunk past the limit from an endless stream', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 4096;
        this.push(Buffer.alloc(4096, 1));
      },
    });
    await expect(readStreamBounded(endless, 10_000, 'x')).rejects.toBeInstanceOf(InputTooLarge);
    // The stream's own buffer (highWaterMark 16 KiB) plus the limit: nowhere near unbounded.
    expect(pulled).toBeLessThan(10_000 + 64 * 1024);
  });

  it('readFileBounded stops on /dev/zero (stat size 0)', async () => {
    await expect(readFileBounded('/dev/zero', 100_000)).rejects.toBeInstanceOf(FileTooLarge);
  });
});

describe('bounded reads from the network (verification of the HTTP client)', () => {
  /** A raw server that answers with whatever bytes `answer` writes, endlessly if it likes. */
  async function rawServer(answer: (s: net.Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('data', () => answer(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  function endlessly(s: net.Socket, head: string, unit: string): void {
    s.write(head);
    const chunk = unit.repeat(4096);
    const pump = () => {
      while (!s.destroyed && s.write(chunk));
      if (!s.destroyed) s.once('drain', pump);
    };
    pump();
  }

  it('an endless header is cut off by the client (undici maxHeaderSize), not buffered', async () => {
    const srv = await rawServer((s) => endlessly(s, 'HTTP/1.1 200 OK\r\nX-Big: ', 'a'));
    const client = new HttpClient({ connectTimeoutMs: 2000, totalTimeoutMs: 10_000, maxResponseBytes: 1024 });
    try {
      const e = await client.request({ node: 'node-1', method: 'GET', url: srv.url }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Error);
      expect(String((e as Error).message)).toMatch(/header/i);
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it('an endless chunked body stops at maxResponseBytes', async () => {
    const srv = await rawServer((s) =>
      endlessly(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '1000\r\n' + 'z'.repeat(4096) + '\r\n'),
    );
    const client = new HttpClient({ connectTimeoutMs: 2000, totalTimeoutMs: 10_000, maxResponseBytes: 64 * 1024 });
    try {
      const e = await client.request({ node: 'node-1', method: 'GET', url: srv.url }).catch((x: unknown) => x);
      expect((e as { code?: string }).code).toBe('RESPONSE_TOO_LARGE');
    } finally {
      await client.close();
      await srv.close();
    }
  });
});

describe('bounded reads at the browser-mode door (real serve process)', () => {
  it('an endless chunked request body is refused with 413 while it streams in, not after', async () => {
    const h = await home();
    const server = await startServe(['--home', h.dir]);
    try {
      const session = await signIn(server);
      let written = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${server.origin}/api/listClusters`, {
          method: 'POST',
          headers: {
            ...session.headers,
            'content-type': 'application/json',
            origin: server.origin,
            'transfer-encoding': 'chunked',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', (e) => (written > 0 ? undefined : reject(e)));
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          // Stop at 64 MiB: a server that buffers everything answers only once the body has ended.
          while (written < 64 * 1024 * 1024 && !req.destroyed) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!req.destroyed) req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
