/**
 * AWS's event stream encoding (application/vnd.amazon.eventstream), the answer of Lambda's
 * InvokeWithResponseStream: each message is its total and headers lengths (4 bytes each,
 * big-endian), their CRC32, its headers (a name's length in 1 byte, the name, type 7 — a string
 * — and the value's length in 2 bytes, the value), its payload, and the CRC32 of all before.
 *
 * Written here rather than taken from @smithy: its codec sits inside @smithy/core, which Hangar
 * does not depend on (only the AWS SDK does), and an event's encoding is this one function. The
 * tests read it back with the real @aws-sdk/client-lambda.
 */
import { crc32 } from 'node:zlib';

const STRING_TYPE = 7;

/** One event message: `:message-type: event`, its event type and content type, and the payload. */
export function eventMessage(eventType: string, contentType: string, payload: Uint8Array): Buffer {
  const headers = encodeHeaders([
    [':event-type', eventType],
    [':content-type', contentType],
    [':message-type', 'event'],
  ]);
  const total = 12 + headers.length + payload.length + 4;
  const message = Buffer.allocUnsafe(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headers.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headers.copy(message, 12);
  message.set(payload, 12 + headers.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

function encodeHeaders(headers: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const head = Buffer.allocUnsafe(1 + n.length + 3);
    head.writeUInt8(n.length, 0);
    n.copy(head, 1);
    head.writeUInt8(STRING_TYPE, 1 + n.length);
    head.writeUInt16BE(v.length, 2 + n.length);
    parts.push(head, v);
  }
  return Buffer.concat(parts);
}
