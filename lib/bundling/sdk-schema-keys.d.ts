import type { Plugin } from 'esbuild';

/** The esbuild plugin (sdk-schema-keys.js): SDK schema keys as literals, client package.json as its version. */
export function sdkSchemaKeys(): Plugin;
/** A generated schema file's text with its computed keys written as the literals they name. */
export function literalKeys(source: string): string;
/** A client package.json reduced to `{ "version": ... }`. */
export function versionOnly(text: string): string;
