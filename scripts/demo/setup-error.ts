/** A setup problem the demo explains in one line (printed without a stack trace). */
export class DemoSetupError extends Error {
  override readonly name = 'DemoSetupError';
}
