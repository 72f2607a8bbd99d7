/**
 * Which connection served a response, so the response can carry that connection's peer certificate.
 * Behind a TLS-passthrough balancer two connections to one origin can present different
 * certificates, so "the origin's certificate" would be a guess.
 *
 * undici's request handlers never see the socket. Its documented diagnostics channel
 * `undici:client:sendHeaders` does, and it is published synchronously right after the request's
 * handler learns it got a connection (`onRequestStart`, in the same call stack). The client's handler
 * arms a capture in `onRequestStart` ({@link watchConnection}); the channel fills it and disarms.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TlsInfo } from '../../../shared/model.ts';
import { peerCertificateOf } from './tls-trust.ts';

/** Filled with the peer certificate of the connection that carried the request (null: plain HTTP). */
export interface ServedBy {
  tls: TlsInfo | null;
}

let armed: ServedBy | null = null;
let listening = false;

function onSendHeaders(message: unknown): void {
  if (armed === null) return;
  const socket = (message as { socket?: unknown }).socket;
  if (typeof socket === 'object' && socket !== null) armed.tls = peerCertificateOf(socket);
  armed = null;
}

function arm(target: ServedBy): void {
  if (!listening) {
    diagnosticsChannel.subscribe('undici:client:sendHeaders', onSendHeaders);
    listening = true;
  }
  armed = target;
  // The channel fires in this very call stack or not at all (mocked or aborted requests).
  queueMicrotask(() => {
    if (armed === target) armed = null;
  });
}

/**
 * Records into `target` the connection a request is about to go out on: call it from the request
 * handler's `onRequestStart`.
 */
export function watchConnection(target: ServedBy): void {
  arm(target);
}
