/**
 * The credential checker's setting defaults (settings.ts parses them), without the schema: the IRSA checker's
 * settings share the bus and runbook defaults and import them from here, so its bundle neither carries nor builds
 * the credential checker's settings schema.
 */
export const DEFAULT_SETTINGS = {
  metricsWindowMinutes: 30,
  /**
   * 0 when the variable is absent (the CLI, older stacks): the metrics are read every run. The stack writes it
   * from the `metricsIntervalMinutes` key, an hour by default (lib/config/config-schema.ts).
   */
  metricsIntervalMinutes: 0,
  /** The schedule's longest gap between runs, written by the stack; 0 (unknown) reads the metrics every run. */
  schedulePeriodMinutes: 0,
  errorThreshold: 1,
  tokenMaxAgeHours: 720,
  dataSyncPattern: 'data[-_ ]?sync',
  resourceRetrieverPattern: 'resource[-_ ]?retriever',
  eventBusName: 'default',
  runbookBaseUrl: 'docs/checks.md',
  /**
   * Off when the variable is absent (the CLI, older stacks): the stack writes it from the `eksConnectorEnabled`
   * key, which is on by default (lib/config/eks-connector-config-schema.ts).
   */
  eksConnectorEnabled: false,
  eksConnectorPendingGraceMinutes: 30,
  /**
   * Off when the variable is absent, like eksConnectorEnabled: the stack writes it from the `podIdentityEnabled`
   * key, on by default (lib/config/pod-identity-config-schema.ts).
   */
  podIdentityEnabled: false,
} as const;
