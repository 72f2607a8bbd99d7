import { describe, expect, it } from 'vitest';
import { mapToNode, readOAuthEndpoints, readRdfProperty } from '../../electron/core/providers/discovery.ts';

const JAZZ_ROOTSERVICES = `<?xml version="1.0" encoding="UTF-8"?>
<rdf:Description rdf:about="https://jts.example.com:9443/jts/rootservices"
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:jfs="http://jazz.net/xmlns/prod/jazz/jfs/1.0/">
  <jfs:oauthRequestTokenUrl rdf:resource="https://jts.example.com:9443/jts/oauth-request-token"/>
  <jfs:oauthUserAuthorizationUrl rdf:resource="https://jts.example.com:9443/jts/oauth-authorize" />
  <jfs:oauthAccessTokenUrl rdf:resource="https://jts.example.com:9443/jts/oauth-access-token"/>
  <jfs:oauthRequestConsumerKeyUrl rdf:resource="https://jts.example.com:9443/jts/oauth-request-consumer"/>
</rdf:Description>`;

describe('discovery documents', () => {
  it('reads jfs:oauth*Url properties given as rdf:resource attributes', () => {
    const e = readOAuthEndpoints(JAZZ_ROOTSERVICES, 'https://jts.example.com:9443/jts/rootservices', 'node1');
    expect(e).toEqual({
      requestToken: 'https://jts.example.com:9443/jts/oauth-request-token',
      authorize: 'https://jts.example.com:9443/jts/oauth-authorize',
      accessToken: 'https://jts.example.com:9443/jts/oauth-access-token',
      requestConsumerKey: 'https://jts.example.com:9443/jts/oauth-request-consumer',
    });
  });

  it('reads a property given as element text with another prefix, and resolves relative URLs', () => {
    expect(
      readRdfProperty(
        '<x:oauthAccessTokenUrl>\n  /cqweb/oauth/access &amp; more </x:oauthAccessTokenUrl>',
        'oauthAccessTokenUrl',
      ),
    ).toBe('/cqweb/oauth/access & more');
  });

  it('fails with DISCOVERY_FAILED naming the node when the OAuth URLs are missing', () => {
    expect(() => readOAuthEndpoints('<rdf:RDF/>', 'https://h/x', 'lbcq_2')).toThrowError(
      expect.objectContaining({ code: 'DISCOVERY_FAILED', node: 'lbcq_2' }),
    );
  });
});

describe('mapToNode', () => {
  it('swaps the balancer origin for the node origin and keeps the path', () => {
    expect(
      mapToNode('http://127.0.0.1:8000/oauth/requestToken', 'http://127.0.0.1:8000', 'http://127.0.0.1:8001'),
    ).toBe('http://127.0.0.1:8001/oauth/requestToken');
  });

  it('moves the path from the balancer context root to the node context root, with its own port', () => {
    expect(
      mapToNode('https://lbcq/cqweb/oauth/request_token?x=1', 'https://lbcq/cqweb', 'https://lbcq_3:12443/cqweb'),
    ).toBe('https://lbcq_3:12443/cqweb/oauth/request_token?x=1');
    expect(mapToNode('https://lb/jts/oauth-authorize', 'https://lb/jts', 'https://jts2:9443/ccm-node')).toBe(
      'https://jts2:9443/ccm-node/oauth-authorize',
    );
  });

  it('keeps the path as is when it lies outside the balancer context root', () => {
    expect(mapToNode('https://lb/other/x', 'https://lb/cqweb', 'https://n1:9443/cqweb')).toBe(
      'https://n1:9443/other/x',
    );
  });
});
