// @ts-check
'use strict';
/**
 * An esbuild plugin for the AWS SDK v3 clients, so that esbuild can leave out what a handler never calls.
 *
 * 1. Each client's generated `dist-es/schemas/schemas_N.js` names its strings once (`const _ht = "http";`) and writes
 *    traits as computed keys (`{ [_ht]: ["GET", "/clusters/{name}", 200] }`). esbuild cannot prove a computed key
 *    free of side effects, so it keeps every operation's schema of the service, called or not. The plugin writes the
 *    key as the literal the constant holds (`{ "http": [...] }`), the same object, and the unused schemas become
 *    removable.
 * 2. Each client imports its own package.json for the user agent's version (`packageInfo.version`, its only use);
 *    esbuild would inline the whole file. The plugin gives it the version alone.
 *
 * Both are source-to-source rewrites of generated files whose shape is checked before the rewrite: a file that does
 * not look as expected (a function, a constant declared twice) is left as it is, which costs bytes, never behaviour.
 */
const fs = require('node:fs');
const path = require('node:path');

const SCHEMA_FILE = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
const CLIENT_PACKAGE_JSON = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]package\.json$/;
/** A top-level string constant of a generated schema file: `const _ht = "http";`. */
const STRING_CONSTANT = /^const (_[A-Za-z0-9]+) = ("[A-Za-z0-9_.#$:/ -]*");$/gm;
/** A computed key naming one of them, after `{` or `,`: the only places a `[name]:` is a key in JavaScript. */
const COMPUTED_KEY = /([{,]\s*)\[(_[A-Za-z0-9]+)\](\s*:)/g;

/**
 * The schema file's text with each computed key that names one of its string constants written as that literal;
 * the text unchanged when the file is not the generated data it should be.
 * @param {string} source
 * @returns {string}
 */
function literalKeys(source) {
  // Generated schema files are data: constants, arrays and `() => X$` references. A function could shadow a constant
  // (a word "function" inside a string, such as a URL path, is not one).
  if (/\bfunction\s*[\w$]*\s*\(|\(\s*_[A-Za-z0-9]+\s*\)\s*=>|\b_[A-Za-z0-9]+\s*=>/.test(source))
    return source;
  /** @type {Map<string, string>} */
  const constants = new Map();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) {
    if (name === undefined || literal === undefined || constants.has(name)) return source;
    constants.set(name, literal);
  }
  return source.replace(COMPUTED_KEY, (whole, before, name, after) => {
    const literal = constants.get(name);
    return literal === undefined ? whole : `${before}${literal}${after}`;
  });
}

/**
 * A client package.json reduced to the one field the client reads.
 * @param {string} text
 * @returns {string}
 */
function versionOnly(text) {
  const { version } = /** @type {{ version?: unknown }} */ (JSON.parse(text));
  if (typeof version !== 'string') throw new Error('an @aws-sdk client package.json without a version');
  return JSON.stringify({ version });
}

/** @returns {import('esbuild').Plugin} */
function sdkSchemaKeys() {
  return {
    name: 'sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMA_FILE }, async (args) => ({
        contents: literalKeys(await fs.promises.readFile(args.path, 'utf8')),
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
      build.onLoad({ filter: CLIENT_PACKAGE_JSON }, async (args) => ({
        contents: versionOnly(await fs.promises.readFile(args.path, 'utf8')),
        loader: 'json',
      }));
    },
  };
}

module.exports = { sdkSchemaKeys, literalKeys, versionOnly };
