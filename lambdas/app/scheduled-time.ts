/**
 * The time the schedule had a run due, from the event the credential check's schedule sends
 * (`{"scheduledTime": "<aws.scheduler.scheduled-time>"}`). Anything else (an empty event, a hand-made one, a
 * value that is no UTC date-time) gives undefined: the run then decides by its start time.
 */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/;

export function scheduledTimeOf(event: unknown): Date | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const value = (event as { scheduledTime?: unknown }).scheduledTime;
  if (typeof value !== 'string' || value.length > 40 || !UTC_DATE_TIME.test(value)) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
