import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { errorEnvelope } from "./error-envelope.js";

/**
 * Answers a request node's HTTP parser rejected before fastify saw it (malformed request line, oversized headers,
 * a client too slow to send its request) with the error envelope, written straight to the socket.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "request_timeout", "The request was not received in time (api.requestTimeoutMs)."]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "invalid_request", "The request headers are too large."]
        : [400, "invalid_request", "The request is not valid HTTP."];
  const body = JSON.stringify(errorEnvelope({ status, code, message, details: {} }, { requestId: randomUUID(), correlationId: null }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
