/**
 * The control server (loopback only): the demo's, the tests' and the trainer's remote control.
 * JSON in, JSON out; every bad input is a 4xx `{"error": "…"}` that names what is wrong.
 *
 *   GET  /state                          every node and the repository, never a secret
 *   POST /nodes/{id}/kill | /restart
 *   POST /nodes/{id}/latency  {"ms"}
 *   POST /nodes/{id}/clock    {"offsetSeconds"}
 *   POST /nodes/{id}/version  {"version"}   the version its Server header names
 *   POST /consumer/friend     {"name", "secret"}  → {"key", "node"}
 *   POST /repository/seed     {"count"}  → {"added", "consumers"}: approved consumers with random
 *                             keys and secrets, every running node's registry reloaded (benches)
 *   POST /balancer            {"sticky": true|false}  → {"sticky"}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, parseJsonObject, readBody, sendJson } from './http-util.ts';
import { Listener, type TlsMaterial } from './listener.ts';
import { MAX_SEED } from './repository.ts';
import type { SandboxHandle, SandboxNodeState } from './types.ts';

export type ControlOperations = Omit<SandboxHandle, 'info' | 'close'>;

/** The largest latency the control surface accepts: ten minutes, beyond any client timeout. */
export const MAX_LATENCY_MS = 600_000;
/** Clock shifts up to ten years either way. */
export const MAX_CLOCK_OFFSET_SECONDS = 10 * 365 * 86_400;

function nodeOf(ops: ControlOperations, id: string): SandboxNodeState {
  // One node's snapshot, not the whole state: with 64 nodes × 50,000 keys the state is 3.2 million keys.
  const node = ops.nodeState(id);
  if (!node) throw new HttpError(404, `unknown node "${id}"; the nodes are ${ops.nodeIds().join(', ')}`);
  return node;
}

function numberField(body: Record<string, unknown>, field: string, min: number, max: number): number {
  const value = body[field];
  if (value === undefined) throw new HttpError(400, `field "${field}" is required`);
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new HttpError(400, `field "${field}" must be a number`);
  if (value < min || value > max) throw new HttpError(400, `field "${field}" must be between ${min} and ${max}`);
  return value;
}

function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError(400, `field "${field}" is required: a non-empty string`);
  }
  return value;
}

/** A body that may be empty (kill/restart); when present it must still be well-formed. */
async function optionalJson(req: IncomingMessage): Promise<void> {
  const body = await readBody(req);
  if (body.length > 0 && body.toString('utf8').trim() !== '') parseJsonObject(body);
}

async function route(ops: ControlOperations, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = new URL(req.url ?? '/', 'http://control').pathname;

  if (path === '/state') {
    if (method !== 'GET' && method !== 'HEAD') throw methodError(method, path, ['GET']);
    sendJson(res, 200, ops.state());
    return;
  }

  const nodeAction = /^\/nodes\/([^/]+)\/(kill|restart|latency|clock|version)$/.exec(path);
  if (nodeAction) {
    if (method !== 'POST') throw methodError(method, path, ['POST']);
    const id = decodeSegment(nodeAction[1] ?? '');
    if (!ops.nodeIds().includes(id)) nodeOf(ops, id);
    switch (nodeAction[2]) {
      case 'kill':
        await optionalJson(req);
        await ops.killNode(id);
        break;
      case 'restart':
        await optionalJson(req);
        await ops.restartNode(id);
        break;
      case 'latency':
        ops.setLatency(id, numberField(parseJsonObject(await readBody(req)), 'ms', 0, MAX_LATENCY_MS));
        break;
      case 'clock':
        ops.setClockOffset(
          id,
          numberField(
            parseJsonObject(await readBody(req)),
            'offsetSeconds',
            -MAX_CLOCK_OFFSET_SECONDS,
            MAX_CLOCK_OFFSET_SECONDS,
          ),
        );
        break;
      case 'version':
        try {
          ops.setVersion(id, stringField(parseJsonObject(await readBody(req)), 'version'));
        } catch (e) {
          if (e instanceof RangeError) throw new HttpError(400, e.message);
          throw e;
        }
        break;
    }
    sendJson(res, 200, nodeOf(ops, id));
    return;
  }

  if (path === '/balancer') {
    if (method !== 'POST') throw methodError(method, path, ['POST']);
    const body = parseJsonObject(await readBody(req));
    if (typeof body.sticky !== 'boolean') throw new HttpError(400, 'field "sticky" is required: true or false');
    ops.setSticky(body.sticky);
    sendJson(res, 200, { sticky: ops.state().sticky });
    return;
  }

  if (path === '/repository/seed') {
    if (method !== 'POST') throw methodError(method, path, ['POST']);
    const count = numberField(parseJsonObject(await readBody(req)), 'count', 1, MAX_SEED);
    if (!Number.isInteger(count)) throw new HttpError(400, 'field "count" must be a whole number');
    sendJson(res, 200, await ops.seed(count));
    return;
  }

  if (path === '/consumer/friend') {
    if (method !== 'POST') throw methodError(method, path, ['POST']);
    const body = parseJsonObject(await readBody(req));
    const name = stringField(body, 'name');
    const secret = stringField(body, 'secret');
    let friendship: { key: string; node: string };
    try {
      friendship = await ops.friend(name, secret);
    } catch (e) {
      throw new HttpError(502, `the friendship request through the balancer failed: ${(e as Error).message}`);
    }
    sendJson(res, 200, friendship);
    return;
  }

  throw new HttpError(404, `no such control path: ${path} (try GET /state)`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in the node id: ${segment}`);
  }
}

function methodError(method: string, path: string, allowed: string[]): HttpError {
  return new HttpError(405, `method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, {
    headers: { Allow: allowed.join(', ') },
  });
}

export async function startControlServer(
  host: string,
  tls: TlsMaterial | null,
  ops: ControlOperations,
): Promise<Listener> {
  return Listener.listen(host, 0, tls, (req, res) => {
    route(ops, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message }, err.headers);
      else
        sendJson(res, 500, {
          error: `internal error in the sandbox: ${err instanceof Error ? err.message : String(err)}`,
        });
    });
  });
}
