import { z } from 'zod';
import { findingSchema } from '../finding-schema';
import { REMEDIATION_DETAIL_TYPE, remediationDetailSchema } from './remediation-event';
import { RUN_SUMMARY_DETAIL_TYPE, RUN_SUMMARY_SOURCE, runSummaryDetailSchema } from './run-event';
import { LIFECYCLE_STATES, TRANSITIONS, type LifecycleFinding } from './types';

/**
 * The events the checkers put on EventBridge, as whole-event JSON Schema draft-04 documents: what the stack
 * registers in an EventBridge Schema Registry (type JSONSchemaDraft4) and `npm run docs` writes to docs/schemas/.
 * Pure: no CDK here, the construct only wraps these documents.
 */

export const JSON_SCHEMA_DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
/** The source of every event (the adapters' EVENT_SOURCE; core does not import adapters). */
export const EVENT_SOURCE = RUN_SUMMARY_SOURCE;
export const FINDING_DETAIL_TYPE = 'TMC Health Finding';

const timestamp = z.iso.datetime({ offset: true });

/**
 * The finding as published once the lifecycle is on (`LifecycleFinding`). The lifecycle fields are optional:
 * without a ledger table (the CLI, or a function deployed without one) findings are published as plain findings,
 * and the one schema describes both.
 */
export const lifecycleFindingSchema = findingSchema
  .extend({
    state: z.enum(LIFECYCLE_STATES).optional(),
    transition: z.enum(TRANSITIONS).optional(),
    firstObservedAt: timestamp.optional(),
    lastObservedAt: timestamp.optional(),
    occurrenceCount: z.number().int().positive().optional(),
    sequence: z.number().int().positive().optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .optional()
      .describe('findingId#sequence: a transition re-sent after a crash carries the same key.'),
    suppression: z
      .strictObject({
        state: z.literal('SUPPRESSED'),
        reason: z.string().min(1),
        expires: z.string().min(1).describe('The suppression expiry as configured (a date or a date-time).'),
      })
      .optional()
      .describe('Present while an active suppression matches: kept out of SNS, still published here.'),
  })
  .describe(
    `A TMC health finding with its lifecycle (detail-type "${FINDING_DETAIL_TYPE}"); the lifecycle fields are ` +
      'absent when the checker runs without a findings ledger.',
  );

/** The fields LifecycleFinding adds to Finding (the finding part is findingSchema's own business). */
type LifecycleFields = Omit<LifecycleFinding, keyof z.input<typeof findingSchema>>;
// Compile-time guard: the lifecycle fields the planner emits fit the schema's type, none forgotten.
const lifecycleFieldsFit = (
  fields: LifecycleFields,
): Pick<z.input<typeof lifecycleFindingSchema>, keyof LifecycleFields> => fields;
void lifecycleFieldsFit;

export interface EventSchemaSpec {
  /** The schema's name in the registry, `<source>@<Name>` as EventBridge names discovered schemas. */
  readonly name: string;
  /** The file name under docs/schemas/. */
  readonly fileName: string;
  readonly detailType: string;
  readonly description: string;
  /** zod core's type: the run summary and remediation schemas are zod/mini ones (they run in the Lambdas). */
  readonly detail: z.core.$ZodType;
}

export const EVENT_SCHEMAS: readonly EventSchemaSpec[] = [
  {
    name: `${EVENT_SOURCE}@Finding`,
    fileName: 'finding-event.json',
    detailType: FINDING_DETAIL_TYPE,
    description: 'One finding (or, with the lifecycle on, one finding transition) of a checker run.',
    detail: lifecycleFindingSchema,
  },
  {
    name: `${EVENT_SOURCE}@CheckRun`,
    fileName: 'check-run-event.json',
    detailType: RUN_SUMMARY_DETAIL_TYPE,
    description: 'The summary of one checker run, sent every run: a heartbeat to alarm on when it stops.',
    detail: runSummaryDetailSchema,
  },
  {
    name: `${EVENT_SOURCE}@Remediation`,
    fileName: 'remediation-event.json',
    detailType: REMEDIATION_DETAIL_TYPE,
    description: 'What the built-in remediation did about a finding that just opened.',
    detail: remediationDetailSchema,
  },
];

type JsonObject = Record<string, unknown>;

/**
 * The whole EventBridge event (envelope and detail) as a JSON Schema draft-04 document. The envelope is what
 * EventBridge itself adds; `detail-type` and `source` are pinned so a consumer generating code bindings gets
 * one type per event.
 */
export function eventSchemaDocument(spec: EventSchemaSpec): JsonObject {
  const generated = z.toJSONSchema(spec.detail, { target: 'draft-04' }) as JsonObject;
  // The detail is nested under properties.detail: its own $schema goes, and shared definitions (none today)
  // move to the root, where their "#/definitions/..." references resolve.
  const { $schema: _schema, definitions, ...detail } = generated;
  void _schema;
  return {
    $schema: JSON_SCHEMA_DRAFT_04,
    title: spec.detailType,
    description: spec.description,
    type: 'object',
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [spec.detailType] },
      source: { type: 'string', enum: [EVENT_SOURCE] },
      account: { type: 'string', pattern: '^\\d{12}$' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail,
    },
    required: ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'],
    ...(definitions === undefined ? {} : { definitions }),
  };
}

/** Every event's spec with its document, in EVENT_SCHEMAS order. */
export function eventSchemaDocuments(): { readonly spec: EventSchemaSpec; readonly document: JsonObject }[] {
  return EVENT_SCHEMAS.map((spec) => ({ spec, document: eventSchemaDocument(spec) }));
}
