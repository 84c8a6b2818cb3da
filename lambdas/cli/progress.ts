import { cleanLine } from '../core/untrusted-text';
import type { ProgressEvent } from './run-check';

export interface Writer {
  write(text: string): unknown;
}

export interface Progress {
  update(event: ProgressEvent): void;
  stop(): void;
}

const FRAMES = ['|', '/', '-', '\\'];
const INTERVAL_MS = 100;

const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

function describe(event: ProgressEvent): string {
  switch (event.kind) {
    case 'account':
      return 'Identifying the AWS account (STS GetCallerIdentity)';
    case 'region':
      return `Scanning ${event.region} (region ${event.index} of ${event.total})`;
    case 'irsa-region':
      return `IRSA: reading CloudTrail in ${event.region} (region ${event.index} of ${event.total})`;
    case 'publish':
      return 'Publishing findings to EventBridge/SNS';
    case 'fleet':
      return (
        `Accounts: ${event.done} of ${event.total} done` +
        (event.running.length > 0 ? `; checking ${event.running.join(', ')}` : '')
      );
  }
}

/**
 * A one-line spinner on stderr, only when stderr is a terminal: logs and pipes never see control characters,
 * and stdout (possibly --json) is never touched.
 */
export function createProgress(stderr: Writer, isTTY: boolean): Progress {
  if (!isTTY) return NO_PROGRESS;
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    stderr.write(`\r\u001b[2K${FRAMES[frame % FRAMES.length]!} ${text}`);
    frame += 1;
  };
  return {
    update(event) {
      // Region names and account ids come from flags and config: still one clean line, between our own codes.
      text = cleanLine(describe(event), 200);
      if (timer === undefined) {
        timer = setInterval(draw, INTERVAL_MS);
        timer.unref();
      }
      draw();
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      stderr.write('\r\u001b[2K');
    },
  };
}
