import { cleanDeep } from '../core/untrusted-text';

/**
 * What the human renderers are given: the run's findings and summaries with every string cleaned by the core
 * sanitizer (untrusted-text.ts), so a caller's `sub`, a role ARN as requested, a User-Agent or a tag value can
 * neither send escape sequences or bidi controls to the terminal nor break a line of the report. Done once, at
 * the entry of each renderer, rather than cell by cell: a field added later is cleaned too.
 *
 * Line breaks are kept only where the checker lays out text of its own over several lines: the remediation
 * steps (the catalogue's). A correction's trust policy is an object: each of its strings is cleaned as one line,
 * and render-irsa.ts serialises it.
 */
const MULTI_LINE_FIELDS: ReadonlySet<string> = new Set(['remediation.text']);

export function forDisplay<T>(value: T): T {
  return cleanDeep(value, { keepLineBreaksAt: MULTI_LINE_FIELDS });
}
