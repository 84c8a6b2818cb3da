import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { chatChannelsOf } from './config/chat-config-schema';
import type { TmcHealthConfig } from './config/config';
import { checkerDashboardOf, type CheckerDashboard } from './constructs/checker-dashboard';
import { CredentialCheck } from './constructs/credential-check';
import { EventSchemas } from './constructs/event-schemas';
import { FindingsHome } from './constructs/findings-home';
import { configuredReadOnlyRole, type FleetReadOnlyRole } from './constructs/fleet-read-only-role';
import { IrsaCheck } from './constructs/irsa-check';
import { configuredPaging, type PagingRecipes } from './constructs/paging-recipes';
import { SecurityHubExporter } from './constructs/security-hub-exporter';
import type { SelfMonitoring } from './constructs/self-monitoring';
import { addStackOutputs } from './constructs/stack-outputs';
import { eventBusArn } from './permissions/checker-permissions';

export interface TmcHealthCheckerStackProps extends StackProps {
  /** Validated configuration (see `loadConfig`). */
  readonly config: TmcHealthConfig;
}

/**
 * Scheduled TMC credential health checks and (unless irsaEnabled is false) the IRSA check, both published to
 * EventBridge and SNS, with the findings ledger both diff their findings against and the schema registry of the
 * events they publish.
 */
export class TmcHealthCheckerStack extends Stack {
  /** The topic, its key, the findings ledger and the alarms on both checks. */
  readonly home: FindingsHome;
  readonly credentials: CredentialCheck;
  /** The IRSA check; undefined when irsaEnabled is false. */
  readonly irsa?: IrsaCheck;
  readonly eventSchemas: EventSchemas;
  /** The role `tmc-health check --accounts` assumes; undefined unless readOnlyRoleTrustedPrincipals is set. */
  readonly readOnlyRole?: FleetReadOnlyRole;
  /** The Security Hub exporter and its rule; undefined unless securityHubExport is on. */
  readonly securityHubExporter?: SecurityHubExporter;
  /** PagerDuty and OpsCenter on the finding events (docs/paging.md); undefined unless configured. */
  readonly paging?: PagingRecipes;
  /** Alarms on the checkers themselves (errors and undelivered findings, throttles, dead-man's switch, DLQs). */
  readonly selfMonitoring: SelfMonitoring;
  /** The CloudWatch dashboard; undefined unless `dashboard` is true ($3 a month). */
  readonly dashboard?: CheckerDashboard;

  constructor(scope: Construct, id: string, props: TmcHealthCheckerStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.home = new FindingsHome(this, 'Default', {
      existingTopicArn: config.existingTopicArn,
      notificationEmails: config.notificationEmails,
      suppressions: config.suppressions,
      chat: chatChannelsOf(config),
      topicDescription: 'SNS topic findings are sent to',
      ledgerDescription:
        'The findings ledger: where each finding stands (open, resolved), one item per finding id',
    });
    this.eventSchemas = new EventSchemas(this, 'EventSchemas');
    const publishing = this.home.accountPublishing(eventBusArn(config.eventBusName));
    // Inside the home they publish to (FindingsHome says why), with their logical ids unchanged.
    this.credentials = new CredentialCheck(this.home, 'Default', { config, publishing });
    if (config.irsaEnabled) this.irsa = new IrsaCheck(this.home, 'Irsa', { config, publishing });
    this.readOnlyRole = configuredReadOnlyRole(this, config);
    if (config.securityHubExport) {
      this.securityHubExporter = new SecurityHubExporter(this, 'SecurityHubExport', {
        eventBusName: config.eventBusName,
        logRetention: config.logRetentionDays,
      });
    }

    const checkers = [
      this.credentials.monitored,
      ...(this.irsa ? [this.irsa.monitored] : []),
      ...(this.securityHubExporter ? [this.securityHubExporter.monitored] : []),
    ];
    this.paging = configuredPaging(this, config);
    this.selfMonitoring = this.home.monitor(checkers, {
      queues: this.paging?.deadLetterQueues,
      throttleAlarms: config.throttleAlarms,
    });
    if (config.dashboard) {
      this.dashboard = checkerDashboardOf(
        this,
        checkers,
        this.selfMonitoring.allAlarms,
        config.detailedMetrics,
      );
    }

    addStackOutputs(this, {
      EventSchemaRegistryName: [
        this.eventSchemas.registry.attrRegistryName,
        'EventBridge schema registry with the finding, run summary and remediation event schemas',
      ],
      EventBusName: [config.eventBusName, 'Event bus (name or ARN) findings are put on'],
    });
  }
}
