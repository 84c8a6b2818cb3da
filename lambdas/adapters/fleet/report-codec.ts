import { gunzipSync, gzipSync } from 'node:zlib';
import { RUN_REPORT_MAX_DECODED_BYTES, type ReportCodec } from '../../core/fleet/run-report-types';

/**
 * Most a report's findings may decompress to (run-report-types.ts): any account of the organization may put events
 * on the hub bus, and 44 KB of gzip can hold 32 MiB of JSON.
 */
export const MAX_DECODED_BYTES = RUN_REPORT_MAX_DECODED_BYTES;

/** Strict base64 (the standard alphabet, padded): Buffer.from would skip foreign characters silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The run report's `gzip+base64` encoding (node:zlib); `decode` throws on anything else. */
export function gzipBase64Codec(maxDecodedBytes = MAX_DECODED_BYTES): ReportCodec {
  return {
    encode: (json) => gzipSync(Buffer.from(json, 'utf8')).toString('base64'),
    decode: (encoded) => {
      if (!BASE64.test(encoded)) throw new TypeError('not base64');
      let inflated: Buffer;
      try {
        // zlib checks maxOutputLength chunk by chunk while inflating: a bomb stops at the limit, never allocated whole.
        inflated = gunzipSync(Buffer.from(encoded, 'base64'), { maxOutputLength: maxDecodedBytes });
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
          throw new RangeError(`inflates to more than ${maxDecodedBytes} bytes`, { cause: error });
        }
        throw error;
      }
      return inflated.toString('utf8');
    },
  };
}
