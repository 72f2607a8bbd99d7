/**
 * Which connection served a response, so the response can carry that connection's peer certificate.
 * Behind a TLS-passthrough balancer two connections to one origin can present different
 * certificates, so "the origin's certificate" would be a guess.
 *
 * undici's `request` does not expose the socket. Its documented diagnostics channel
 * `undici:client:sendHeaders` does, and it is published synchronously right after the request's
 * handler learns it got a connection (`onRequestStart`, in the same call stack). An interceptor arms
 * a capture in `onRequestStart`; the channel fills it and disarms.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Dispatcher } from 'undici';
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

/** An interceptor that records, into `target`, the connection each attempt of the request went out on. */
export function recordServedBy(target: ServedBy): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context) {
        handler.onRequestStart?.(controller, context);
        if (!controller.aborted) arm(target);
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        handler.onResponseError?.(controller, error);
      },
    });
}
