/**
 * The zod the Lambda handlers use: zod/mini (the functional API, tree-shakeable) with the English messages.
 *
 * zod/mini ships no messages of its own: without a locale every issue reads "Invalid input". The full `zod` build
 * would bring them, but it re-exports every locale and adds about 455 KB (minified) to each Lambda bundle; mini
 * plus the one locale takes about 30 KB of each checker bundle and gives the same English messages. Code under lambdas/ that a handler
 * or the CLI imports takes zod from here, never from 'zod' (test/unit/lambda-zod.test.ts checks). The CDK app (lib/)
 * keeps the full build; its z.toJSONSchema and safeParse work on these schemas, which are zod core types too.
 *
 * Import it as a namespace, `import * as z from './zod'`: esbuild then keeps only the functions used. Do not
 * re-export or import zod/mini's `z` object as a value: that object holds everything, every locale included
 * (about 430 KB again), and esbuild cannot tree-shake an object that escapes.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
