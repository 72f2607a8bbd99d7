/**
 * What each provider kind does, in words with their sources ([D] documented or read in public code,
 * [G] an assumption; see ../shared/PROVIDERS.md), beside the machine-checkable claim behind each
 * row. One source for two things: `test/integration/dialect-adapters.test.ts` and
 * `test/unit/provider-facts.test.ts` hold the adapters and each kind's sandbox dialect to the claims,
 * and `npm run docs:providers` writes the README's provider table from the words
 * (`scripts/provider-table.ts`; a unit test fails when the README and this file differ).
 */
import type { ClusterKind, DiscoverySource } from '../../../shared/model.ts';

export interface ProviderFacts {
  testedAgainst: string;
  /** `sources`: every `discoverySource` status may report for this kind. */
  discovery: { text: string; sources: readonly DiscoverySource[] };
  /** `api`: the adapter lists a node's keys (`listKeys`). */
  list: { text: string; api: boolean };
  /** `decidedByList`: a 200 at requestToken does not tell approved from provisional; the list settles it. */
  probe: { text: string; decidedByList: boolean };
  /** `by`: an approval API call, or a hand-off to the node's own page. */
  approve: { text: string; by: 'api' | 'handoff' };
  register: { text: string; by: 'api' | 'handoff' };
  /** `can`: the adapter reloads a node's registry (sync); false: a restart does. */
  refresh: { text: string; can: boolean };
  provisional: { text: string };
  errors: { text: string };
}

/** The rows of the README table, in order, with their first-column words. */
export const FACT_ROWS: readonly (readonly [keyof ProviderFacts, string])[] = [
  ['testedAgainst', 'tested against'],
  ['discovery', 'discovery'],
  ['list', "list a node's keys"],
  ['probe', 'probe a key on one node'],
  ['approve', 'approve a provisional key'],
  ['register', 'register a consumer'],
  ['refresh', 'refresh a node ("log in")'],
  ['provisional', 'how a consumer gets a provisional key'],
  ['errors', 'error texts read'],
];

export const PROVIDER_FACTS: Record<ClusterKind, ProviderFacts> = {
  sandbox: {
    testedAgainst: 'the mixed default dialect, also over TLS; the seed story also in the browser',
    discovery: { sources: ['discovery'], text: '`{node}/rootservices`' },
    list: { api: true, text: 'Lyo admin API' },
    probe: { decidedByList: false, text: 'signed request-token call straight to the node' },
    approve: { by: 'api', text: 'Lyo admin API on the holding node' },
    register: { by: 'api', text: '`requestKey` (with a chosen key) then approve' },
    refresh: { can: true, text: '`refreshRepoConfig` (Basic) + `DELETE …/oslc/session`' },
    provisional: { text: '`POST /oauth/requestKey`' },
    errors: { text: '`oauth_problem`, `invalid_expired_token`' },
  },
  lyo: {
    testedAgainst: '`--dialect lyo`, also over TLS',
    discovery: {
      sources: ['fixed-paths'],
      text: 'fixed `/oauth/*` paths below the node URL [D] (`source: fixed-paths`)',
    },
    list: {
      api: true,
      text: '`GET /oauth/consumers`, admin session + `X-CSRF-Prevent` [D]; 403 `You must be an administrator.` / `Request denied due to possible CSRF attack.` [D]',
    },
    probe: {
      decidedByList: true,
      text: 'same; `requestToken` accepts a provisional key ([D] it checks only that the key exists), so a 200 is settled by the consumer list and the result says so (`decidedBy: consumer-list`)',
    },
    approve: { by: 'api', text: '`POST /oauth/consumers/{key}` `provisional=false` [D]' },
    register: {
      by: 'api',
      text: '`requestKey` then approve [D]; a chosen key is ignored (a UUID is made) [D], so it is refused as not supported',
    },
    refresh: { can: false, text: 'none: the store loads at start only [D]; sync says restart' },
    provisional: { text: '`POST /oauth/requestKey` [D]' },
    errors: { text: '`consumer_key_rejected` = unknown key [D]; `token_rejected` → `invalid_expired_token` [D]' },
  },
  clearquest: {
    testedAgainst:
      '`--dialect clearquest`, also over TLS, with each way of publishing the OAuth URLs (`jfs:oauth*Url`, `oslc:oauthConfiguration` inline or in a linked catalog, none), and in the browser',
    discovery: {
      sources: ['discovery', 'catalog-oauthConfiguration', 'fixed-paths'],
      text: '`{node}/oslc/repo/{repo}/discovery` [D], then `jfs:oauth*Url` in it **[G]**, else `oslc:oauthConfiguration` in it or in its catalog ([D] the OSLC shape, **[G]** that CQ publishes it), else `{node}/oauth-request-token/{repo}`, `oauth-authorization/{repo}`, `oauth-access-token/{repo}` [D lyo.testsuite]; `source` says which',
    },
    list: { api: false, text: 'none [D]: tracked keys are probed' },
    probe: {
      decidedByList: false,
      text: 'same; unknown key → `401: invalid_expired_token` [D text, **[G]** its exact header/body]; provisional → `consumer_key_refused` **[G]**; clock skew → HTTP 400 `timestamp_refused` with `oauth_acceptable_timestamps`, realm = repository [D]',
    },
    approve: {
      by: 'handoff',
      text: "hand-off to the holding node's own URL (its CQ Web login) → Site Administration → OAuth Consumer Management → Provisional Keys → Approved [D steps]; the dialect's page URL and markup are **[G]**",
    },
    register: {
      by: 'handoff',
      text: "hand-off with Consumer Name, Key, Secret twice, Trusted [D]; **[G]** a super-user's registration is approved at once on that node",
    },
    refresh: {
      can: true,
      text: '`refreshRepoConfig` (Basic) + `DELETE /cqweb/oslc/session` [D]; **[G]** that it reloads the OAuth registry',
    },
    provisional: {
      text: '**[G]** `POST /cqweb/oauth-request-consumer/{repo}`, advertised as `jfs:oauthRequestConsumerKeyUrl`',
    },
    errors: { text: '`invalid_expired_token`, `token_not_authorized`, HTTP 400 `timestamp_refused` [D]' },
  },
  jazz: {
    testedAgainst: '`--dialect jazz`, also over TLS',
    discovery: { sources: ['discovery'], text: '`{node}/rootservices` with every `jfs:oauth*` property [D]' },
    list: { api: false, text: 'none: tracked keys are probed' },
    probe: {
      decidedByList: false,
      text: 'same; unknown key → `CRJZS0033E …` [D text, **[G]** status 401]; provisional → `consumer_key_refused` **[G]**',
    },
    approve: {
      by: 'handoff',
      text: 'hand-off to `{oauthApprovalModuleUrl}?key=<key>` on the holding node [D]; the approve REST call behind it (form login, `X-Jazz-CSRF-Prevent`) is **[G]**',
    },
    register: { by: 'api', text: '`oauth-request-consumer` JSON → a provisional key [D] → approval hand-off' },
    refresh: {
      can: true,
      text: "form login: `GET authenticated/identity` (`authrequired`, `JazzFormAuth`) → `POST j_security_check` [D]; **[G]** that a login reloads the node's registry",
    },
    provisional: { text: '`POST /jts/oauth-request-consumer` [D]' },
    errors: {
      text: '`CRJZS0033E`, `invalid_consumer_key` (DOORS) [D]; `CRJZS0360I` = the user must log in, not a key problem [D]',
    },
  },
};

/** The README's provider table (Markdown), from {@link PROVIDER_FACTS}. */
export function providerTable(): string {
  const kinds: ClusterKind[] = ['sandbox', 'lyo', 'clearquest', 'jazz'];
  const lines = [`| capability | ${kinds.join(' | ')} |`, `|---|${kinds.map(() => '---|').join('')}`];
  for (const [row, words] of FACT_ROWS) {
    const cells = kinds.map((k) => {
      const fact = PROVIDER_FACTS[k][row];
      return typeof fact === 'string' ? fact : fact.text;
    });
    lines.push(`| ${words} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export const TABLE_START =
  '<!-- provider-table: written by `npm run docs:providers` from electron/core/providers/facts.ts -->';
export const TABLE_END = '<!-- /provider-table -->';

/**
 * `readme` with the text between the provider-table markers replaced by {@link providerTable}.
 * Throws naming what is missing when the markers are not there once each, in order.
 */
export function withProviderTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start || readme.indexOf(TABLE_START, start + 1) >= 0)
    throw new Error(`README: expected one "${TABLE_START}" line followed by one "${TABLE_END}" line`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${providerTable()}\n\n${readme.slice(end)}`;
}
