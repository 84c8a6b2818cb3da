import { gunzipSync, gzipSync } from 'node:zlib';
import type { ReportCodec } from '../../core/fleet/run-report-types';

/**
 * Most a report's findings may decompress to. A detail is under 256 KB, so this bounds a crafted gzip bomb on the
 * hub (any org account may put events on its bus) while leaving room for about 100x compression.
 */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

/** Strict base64 (the standard alphabet, padded): Buffer.from would skip foreign characters silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The run report's `gzip+base64` encoding (node:zlib); `decode` throws on anything else. */
export function gzipBase64Codec(maxDecodedBytes = MAX_DECODED_BYTES): ReportCodec {
  return {
    encode: (json) => gzipSync(Buffer.from(json, 'utf8')).toString('base64'),
    decode: (encoded) => {
      if (!BASE64.test(encoded)) throw new TypeError('not base64');
      // Over the limit, gunzipSync throws a RangeError (ERR_BUFFER_TOO_LARGE) instead of allocating it.
      return gunzipSync(Buffer.from(encoded, 'base64'), { maxOutputLength: maxDecodedBytes }).toString(
        'utf8',
      );
    },
  };
}
