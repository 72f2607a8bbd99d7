// expectData: a login page where data was expected is LOGIN_PAGE (for the login pages real OSLC
// providers serve), any other surprise is UNEXPECTED_STATUS or UNEXPECTED_RESPONSE, naming the node.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { expectData } from '../../electron/core/http/client.ts';
import type { HttpResponse } from '../../electron/core/http/client.ts';

function response(over: Partial<HttpResponse>): HttpResponse {
  return {
    status: 200,
    statusText: '',
    headers: {},
    setCookies: [],
    body: '',
    latencyMs: 3,
    url: 'https://lbcq_2:9443/cqweb/oslc/repo/cqschema/discovery',
    method: 'GET',
    tls: null,
    ...over,
  };
}

function thrown(fn: () => void): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected expectData to throw');
}

/** WebSphere Application Server form login, as ClearQuest Web behind WAS security serves it. */
const WEBSPHERE_FORM_LOGIN = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><title>Login</title></head>
<body>
<form method="POST" action="j_security_check">
  <table>
    <tr><td>User ID:</td><td><input type="text" name="j_username" size="20"></td></tr>
    <tr><td>Password:</td><td><input type="password" name="j_password" size="20"></td></tr>
  </table>
  <input type="submit" name="login" value="Login">
</form>
</body></html>`;

/** Jazz Team Server's web login page (served as a 200 with the auth header). */
const JAZZ_LOGIN = `<!DOCTYPE html>
<html><head><title>Jazz Team Server</title>
<script type="text/javascript">var net_jazz_ajax_contextRoot = "/jts";</script></head>
<body class="claro"><div id="net-jazz-ajax-WebUIApp">Loading...</div>
<noscript>This application requires JavaScript.</noscript></body></html>`;

/** A generic single-page-app style form: no j_security_check, just a password field. */
const GENERIC_PASSWORD_FORM = `<html>
<head><meta charset="utf-8"><title>Sign in</title></head>
<body>
  <form action="/login" method="post" class="login-form">
    <label>Username <input name="username" autocomplete="username"></label>
    <label>Password <input autocomplete="current-password" name="password" type=password></label>
    <button type="submit">Sign in</button>
  </form>
</body>
</html>`;

/** Lyo's OAuth administration page, which carries its own login dialog and is the page asked for. */
const LYO_ADMIN_PAGE = `<!DOCTYPE html><html><head><title>OAuth Administration</title>
<script>var lyoOAuthConfig = { csrfPrevent: "a1b2c3" };</script></head>
<body><div id="login"><input id="id" type="text"><input id="password" type="password"></div></body></html>`;

describe('login pages', () => {
  it('recognises a WebSphere j_security_check form as LOGIN_PAGE even when text was asked for', () => {
    for (const accept of ['xml', 'json', 'text'] as const) {
      const err = thrown(() =>
        expectData(
          response({ headers: { 'content-type': 'text/html; charset=ISO-8859-1' }, body: WEBSPHERE_FORM_LOGIN }),
          'node2',
          accept,
        ),
      );
      expect(err.code).toBe('LOGIN_PAGE');
      expect(err.node).toBe('node2');
      expect(err.message).toContain('node2 answered GET /cqweb/oslc/repo/cqschema/discovery with a login page');
    }
  });

  it('recognises the Jazz redirect to /jts/auth/authrequired as LOGIN_PAGE', () => {
    const res = response({
      status: 302,
      url: 'https://jazz.example.com:9443/ccm/rootservices',
      headers: { location: 'https://jazz.example.com:9443/jts/auth/authrequired?redirect=%2Fccm%2Frootservices' },
    });
    const err = thrown(() => expectData(res, 'ccm1', 'xml'));
    expect(err.code).toBe('LOGIN_PAGE');
    expect(err.message).toContain('ccm1 answered GET /ccm/rootservices with a login page where XML was expected');
    expect(err.details).toMatchObject({ status: 302, location: 'https://jazz.example.com:9443/jts/auth/authrequired' });
  });

  it('recognises the Jazz login page served as 200 with the authrequired header as LOGIN_PAGE', () => {
    const res = response({
      headers: { 'content-type': 'text/html;charset=UTF-8', 'x-com-ibm-team-repository-web-auth-msg': 'authrequired' },
      body: JAZZ_LOGIN,
    });
    expect(thrown(() => expectData(res, 'ccm1', 'text')).code).toBe('LOGIN_PAGE');
  });

  it('recognises a generic HTML password form as LOGIN_PAGE where JSON or XML was expected', () => {
    const res = response({ headers: { 'content-type': 'text/html' }, body: GENERIC_PASSWORD_FORM });
    expect(thrown(() => expectData(res, 'node1', 'json')).code).toBe('LOGIN_PAGE');
    expect(thrown(() => expectData(res, 'node1', 'xml')).code).toBe('LOGIN_PAGE');
  });

  it('recognises an HTML login page without a content type by its doctype', () => {
    const res = response({ body: GENERIC_PASSWORD_FORM.replace('<html>', '<!DOCTYPE html>\n<html>') });
    expect(thrown(() => expectData(res, 'node1', 'json')).code).toBe('LOGIN_PAGE');
  });

  it('recognises redirects to WebSphere, ClearQuest and OIDC login URLs as LOGIN_PAGE', () => {
    for (const location of [
      '/cqweb/login',
      'https://lbcq_1:9443/cqweb/j_security_check',
      'https://jas.example.com/oidc/endpoint/jazzop/authorize?client_id=x',
      '/ccm/authenticated/identity?redirectPath=%2Fccm%2Fweb',
      '/app/login.jsp?next=/x',
    ]) {
      const err = thrown(() => expectData(response({ status: 302, headers: { location } }), 'node1', 'json'));
      expect(err.code, location).toBe('LOGIN_PAGE');
    }
  });

  it("accepts a page with its own password field when text was asked for (Lyo's OAuth admin page)", () => {
    expect(() =>
      expectData(response({ headers: { 'content-type': 'text/html' }, body: LYO_ADMIN_PAGE }), 'node1', 'text'),
    ).not.toThrow();
  });

  it('keeps query strings of the login redirect out of the error', () => {
    const res = response({ status: 302, headers: { location: '/jts/auth/authrequired?oauth_token=tok-secret' } });
    const err = thrown(() => expectData(res, 'node1', 'xml'));
    expect(JSON.stringify(err.toJSON())).not.toContain('tok-secret');
  });
});

describe('statuses and content', () => {
  it('names the node, the status and the request in UNEXPECTED_STATUS', () => {
    const err = thrown(() =>
      expectData(response({ status: 500, url: 'https://lbcq_2:9443/x?oauth_token=secret' }), 'node2', 'json'),
    );
    expect(err.code).toBe('UNEXPECTED_STATUS');
    expect(err.node).toBe('node2');
    expect(err.message).toBe('node2 answered 500 Internal Server Error for GET /x');
    expect(err.details).toEqual({ status: 500, expected: [200] });
  });

  it('prefers the reason phrase the server sent', () => {
    const err = thrown(() =>
      expectData(response({ status: 503, statusText: 'Node Draining', method: 'POST' }), 'node3', 'text'),
    );
    expect(err.message).toBe('node3 answered 503 Node Draining for POST /cqweb/oslc/repo/cqschema/discovery');
  });

  it('treats a redirect that is not a login redirect as UNEXPECTED_STATUS', () => {
    const err = thrown(() =>
      expectData(response({ status: 301, headers: { location: '/cqweb/oslc/other' } }), 'node1', 'xml'),
    );
    expect(err.code).toBe('UNEXPECTED_STATUS');
  });

  it('accepts the statuses the caller lists, including an empty 204', () => {
    expect(() => expectData(response({ status: 204 }), 'node1', 'json', [200, 204])).not.toThrow();
    expect(() => expectData(response({ status: 201, body: '{}' }), 'node1', 'json', [200, 204])).toThrowError(
      /answered 201 Created/,
    );
  });

  it('accepts JSON and RDF/XML answers as data', () => {
    expect(() =>
      expectData(response({ headers: { 'content-type': 'application/json' }, body: '{"consumers":[]}' }), 'n', 'json'),
    ).not.toThrow();
    expect(() => expectData(response({ body: ' [1,2]' }), 'n', 'json')).not.toThrow();
    expect(() =>
      expectData(response({ headers: { 'content-type': 'application/rdf+xml' }, body: '<rdf:RDF/>' }), 'n', 'xml'),
    ).not.toThrow();
    expect(() => expectData(response({ body: '<?xml version="1.0"?><rdf:RDF/>' }), 'n', 'xml')).not.toThrow();
  });

  it('reports an HTML error page served with 200 where JSON was expected as UNEXPECTED_RESPONSE', () => {
    const res = response({
      headers: { 'content-type': 'text/html' },
      body: '<html><body><h1>Error 404: SRVE0190E</h1></body></html>',
    });
    const err = thrown(() => expectData(res, 'node2', 'json'));
    expect(err.code).toBe('UNEXPECTED_RESPONSE');
    expect(err.message).toBe(
      'node2 answered GET /cqweb/oslc/repo/cqschema/discovery with text/html where JSON was expected',
    );
    expect(() => expectData(res, 'node2', 'xml')).toThrowError(/where XML was expected/);
  });
});
