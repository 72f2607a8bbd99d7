// What undici's client-h2.js gets for `require('node:http2')` inside the CLI bundles (scripts/build.mjs,
// build/cli-sea.mjs): the constants it reads when it loads, and the real module only when an HTTP/2
// connection is made — never, as the engine leaves undici's allowH2 off. Loading node:http2 cost a
// fresh CLI process ~10 ms (issue 27). test/unit/http2-for-undici.test.ts holds these values equal to
// node:http2's and checks that client-h2.js reads no other constant.
'use strict';

module.exports = {
  constants: {
    HTTP2_HEADER_AUTHORITY: ':authority',
    HTTP2_HEADER_METHOD: ':method',
    HTTP2_HEADER_PATH: ':path',
    HTTP2_HEADER_SCHEME: ':scheme',
    HTTP2_HEADER_CONTENT_LENGTH: 'content-length',
    HTTP2_HEADER_EXPECT: 'expect',
    HTTP2_HEADER_STATUS: ':status',
    HTTP2_HEADER_PROTOCOL: ':protocol',
    NGHTTP2_REFUSED_STREAM: 7,
    NGHTTP2_CANCEL: 8,
  },
  connect: (...args) => require('node:http2').connect(...args),
};
