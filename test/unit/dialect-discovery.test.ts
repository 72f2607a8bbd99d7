/**
 * ClearQuest discovery in the order PROVIDERS.md ("Dialects") asks: the discovery document's
 * `jfs:oauth*Url`, else `oslc:oauthConfiguration` (in it, or in the catalog it points to), else the
 * fixed `/cqweb/oauth-*\/{repo}` paths; the result says which. A stand-in HTTP client answers the
 * canned documents (this is a unit test of the adapter's reading, the real one runs in
 * test/integration/dialect-adapters.test.ts). Also the probe's "the list decides" rule for Lyo.
 */
import { describe, expect, it } from 'vitest';
import type { HttpClient, HttpResponse } from '../../electron/core/http/client.ts';
import { decideWithList, UNDECIDED } from '../../electron/core/probe.ts';
import { adapterFor } from '../../electron/core/providers/index.ts';
import type { ClusterDefinition, ProbeResult } from '../../shared/model.ts';

const NODE = 'https://cq1.example:12443/cqweb';
const BALANCER = 'https://lbcq.example/cqweb';

function answer(url: string, status: number, body: string): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/rdf+xml' },
    setCookies: [],
    body,
    latencyMs: 1,
    url,
    method: 'GET',
    tls: null,
  };
}

/** Answers each URL from `docs`; anything else is a 404. Records what was asked. */
function stubHttp(docs: Record<string, { status?: number; body: string }>): { http: HttpClient; asked: string[] } {
  const asked: string[] = [];
  const http = {
    request: (req: { url: string }) => {
      asked.push(req.url);
      const doc = docs[req.url];
      return Promise.resolve(answer(req.url, doc?.status ?? (doc ? 200 : 404), doc?.body ?? 'not found'));
    },
  } as unknown as HttpClient;
  return { http, asked };
}

const cluster = {
  name: 'cq',
  kind: 'clearquest',
  balancerUrl: BALANCER,
  nodes: [{ id: 'cq1', url: NODE }],
  repo: 'cqschema',
  db: 'SAMPL',
} as unknown as ClusterDefinition;

const RDF =
  'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:oslc="http://open-services.net/ns/core#" xmlns:jfs="http://jazz.net/xmlns/prod/jazz/jfs/1.0/"';
const DISCOVERY = `${NODE}/oslc/repo/cqschema/discovery`;

async function discover(docs: Record<string, { status?: number; body: string }>) {
  const { http, asked } = stubHttp(docs);
  const { endpoints } = await adapterFor('clearquest').discover({ cluster, node: cluster.nodes[0]!, http });
  return { endpoints, asked };
}

describe('ClearQuest discovery order', () => {
  it('uses jfs:oauth*Url from the discovery document when it carries them, mapped onto the node', async () => {
    const { endpoints } = await discover({
      [DISCOVERY]: {
        body: `<rdf:RDF ${RDF}><rdf:Description>
          <jfs:oauthRequestTokenUrl rdf:resource="${BALANCER}/rt"/>
          <jfs:oauthUserAuthorizationUrl rdf:resource="${BALANCER}/auth"/>
          <jfs:oauthAccessTokenUrl rdf:resource="${BALANCER}/at"/></rdf:Description></rdf:RDF>`,
      },
    });
    expect(endpoints).toMatchObject({ requestToken: `${NODE}/rt`, source: 'discovery' });
  });

  it('reads oslc:oauthConfiguration from the catalog the discovery document points to', async () => {
    const { endpoints, asked } = await discover({
      [DISCOVERY]: {
        body: `<rdf:RDF ${RDF}><oslc:ServiceProviderCatalog><oslc:serviceProviderCatalog rdf:resource="${BALANCER}/oslc/repo/cqschema/catalog"/></oslc:ServiceProviderCatalog></rdf:RDF>`,
      },
      [`${NODE}/oslc/repo/cqschema/catalog`]: {
        body: `<rdf:RDF ${RDF}><oslc:ServiceProviderCatalog><oslc:oauthConfiguration><oslc:OAuthConfiguration>
          <oslc:oauthRequestTokenURI rdf:resource="${BALANCER}/oauth-request-token/cqschema"/>
          <oslc:authorizationURI rdf:resource="${BALANCER}/oauth-authorization/cqschema"/>
          <oslc:oauthAccessTokenURI rdf:resource="${BALANCER}/oauth-access-token/cqschema"/>
        </oslc:OAuthConfiguration></oslc:oauthConfiguration></oslc:ServiceProviderCatalog></rdf:RDF>`,
      },
    });
    // The catalog is asked on the node itself, not the balancer.
    expect(asked).toEqual([DISCOVERY, `${NODE}/oslc/repo/cqschema/catalog`]);
    expect(endpoints).toMatchObject({
      requestToken: `${NODE}/oauth-request-token/cqschema`,
      authorize: `${NODE}/oauth-authorization/cqschema`,
      source: 'catalog-oauthConfiguration',
    });
  });

  it('falls back to the documented fixed paths when neither says, or the catalog is protected, and says so', async () => {
    for (const catalog of [null, { status: 401, body: 'unauthorized' }]) {
      const { endpoints } = await discover({
        [DISCOVERY]: {
          body: catalog
            ? `<rdf:RDF ${RDF}><oslc:serviceProviderCatalog rdf:resource="${BALANCER}/oslc/repo/cqschema/catalog"/></rdf:RDF>`
            : `<rdf:RDF ${RDF}></rdf:RDF>`,
        },
        ...(catalog ? { [`${NODE}/oslc/repo/cqschema/catalog`]: catalog } : {}),
      });
      expect(endpoints).toEqual({
        requestToken: `${NODE}/oauth-request-token/cqschema`,
        authorize: `${NODE}/oauth-authorization/cqschema`,
        accessToken: `${NODE}/oauth-access-token/cqschema`,
        requestConsumerKey: null,
        source: 'fixed-paths',
      });
    }
  });
});

describe('Lyo: a 200 from requestToken does not decide; the consumer list does', () => {
  const undecided: ProbeResult = {
    node: 'node1',
    key: 'k',
    state: 'approved',
    problem: UNDECIDED,
    latencyMs: 1,
    clockSkewSeconds: 0,
    evidence: null,
    error: null,
    decidedBy: 'request-token-only',
  };
  const listed = (provisional: boolean) =>
    provisional ? { provisional: ['other', 'k'], approved: ['a'] } : { provisional: [], approved: ['a', 'k', 'z'] };

  it('turns it provisional when the list says so, and says the list decided', () => {
    expect(decideWithList(undecided, listed(true))).toMatchObject({ state: 'provisional', decidedBy: 'consumer-list' });
  });

  it('keeps it approved, without the doubt, when the list lists it approved', () => {
    expect(decideWithList(undecided, listed(false))).toMatchObject({
      state: 'approved',
      problem: null,
      decidedBy: 'consumer-list',
    });
  });

  it('leaves the doubt when the list does not hold the key', () => {
    expect(decideWithList(undecided, { provisional: ['x'], approved: ['y'] })).toEqual(undecided);
  });

  it('leaves the doubt in words when there is no list (no admin login)', () => {
    expect(decideWithList(undecided, null)).toEqual(undecided);
    expect(undecided.problem).toMatch(/consumer list decides/);
  });

  it('never touches a probe the request-token answer decided', () => {
    const decided = { ...undecided, decidedBy: undefined, problem: null };
    expect(decideWithList(decided, listed(true))).toBe(decided);
  });
});
