/**
 * undici's dispatchers, each from its own file rather than the package index: the index also loads
 * fetch, WebSocket, EventSource, cookies, caches and the mock agents, which the engine never uses and
 * which cost a new CLI process about 70 ms to load (issue 27). The classes are the same objects the
 * index exports (the index requires these very files), and the dispatcher methods the index mixes in
 * (`request`, `connect` — the proxy agent's tunnel uses it…) are mixed in here the same way.
 */
import AgentClass from 'undici/lib/dispatcher/agent.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import ProxyAgentClass from 'undici/lib/dispatcher/proxy-agent.js';
import build from 'undici/lib/core/connect.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';

// What undici's index.js does with the same two modules (so it is a no-op when the index loaded too).
Object.assign(Dispatcher.prototype, api);

export const Agent = AgentClass;
export const Pool = PoolClass;
export const ProxyAgent = ProxyAgentClass;
export const buildConnector = build;
