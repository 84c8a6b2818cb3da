import * as path from 'node:path';
import {
  AssetManifestBuilder,
  Aws,
  DefaultStackSynthesizer,
  FileAssetPackaging,
  Fn,
  Lazy,
  StackSynthesizer,
  type DockerImageAssetLocation,
  type FileAssetLocation,
  type FileAssetSource,
  type ISynthesisSession,
  type Stack,
  type SynthesizeStackArtifactOptions,
} from 'aws-cdk-lib';
import { memberAssetBucketName } from './member-assets';

/**
 * The hub stack's synthesizer: the default one (bootstrap bucket and roles), plus the member template's asset
 * manifest among the hub's dependencies, so that `cdk deploy TmcHealthHub` also publishes the member Lambda code
 * to the per-region asset buckets, before the hub's StackSet points member accounts at it.
 */
export class FleetHubSynthesizer extends DefaultStackSynthesizer {
  private readonly extraAssetManifests: string[] = [];
  private readonly templates: StackSetTemplateSynthesizer[] = [];

  /** Publish this asset manifest (artifact id) with the hub stack. */
  addAssetManifestDependency(artifactId: string): void {
    this.extraAssetManifests.push(artifactId);
  }

  /** A StackSet template whose URL this stack's template uses: it must be synthesized first. */
  addStackSetTemplate(template: StackSetTemplateSynthesizer): void {
    this.templates.push(template);
  }

  override synthesize(session: ISynthesisSession): void {
    // CDK synthesizes the children of a stack before the stack: a template defined elsewhere would be missing.
    if (this.templates.some((template) => !template.synthesized)) {
      throw new Error(
        `${this.boundStack.node.path}: a StackSet template it deploys is not synthesized yet: define it inside ` +
          'this stack',
      );
    }
    super.synthesize(session);
  }

  protected override emitArtifact(
    session: ISynthesisSession,
    options: SynthesizeStackArtifactOptions = {},
  ): void {
    super.emitArtifact(session, {
      ...options,
      additionalDependencies: [...(options.additionalDependencies ?? []), ...this.extraAssetManifests],
    });
  }
}

export interface StackSetTemplateSynthesizerProps {
  /** The stack that deploys the StackSet; it must use `FleetHubSynthesizer`. */
  readonly host: Stack;
  /** The regions the StackSet deploys to: every asset is published to the asset bucket of each. */
  readonly regions: readonly string[];
  /**
   * The hub account in the template (the asset buckets' account), e.g. taken from a template parameter. Called
   * once the stack is bound.
   */
  readonly hubAccountInTemplate: (stack: Stack) => string;
}

/**
 * Synthesizes a stack as a StackSet template instead of a deployable stack: its template becomes a file asset
 * of the host (the StackSet's TemplateURL), and each of its file assets (the bundled Lambda code) is published by
 * the CDK CLI, with the host, to `tmc-health-member-assets-<hub account>-<region>` in every StackSet region, where
 * the template finds it in whatever account and region it is deployed. No bootstrap is needed in the member
 * accounts; the asset buckets come from the `TmcHealthMemberAssets-<region>` stacks.
 */
export class StackSetTemplateSynthesizer extends StackSynthesizer {
  private readonly assets = new AssetManifestBuilder();
  private templateLocation?: FileAssetLocation;

  private readonly hostSynthesizer: FleetHubSynthesizer;

  constructor(private readonly props: StackSetTemplateSynthesizerProps) {
    super();
    const hostSynthesizer = props.host.synthesizer;
    if (!(hostSynthesizer instanceof FleetHubSynthesizer)) {
      throw new Error('StackSetTemplateSynthesizer: the host stack must use FleetHubSynthesizer');
    }
    if (props.regions.length === 0) throw new Error('StackSetTemplateSynthesizer: no regions');
    this.hostSynthesizer = hostSynthesizer;
    hostSynthesizer.addStackSetTemplate(this);
  }

  /** Whether the template was written (and registered as an asset of the host). */
  get synthesized(): boolean {
    return this.templateLocation !== undefined;
  }

  /**
   * The template's S3 URL in the host's asset bucket, for the StackSet. Known once the template is synthesized,
   * which CDK does before the host's template (`FleetHubSynthesizer` checks); undefined in the earlier passes.
   */
  get templateUrl(): string {
    return Lazy.uncachedString({ produce: () => this.templateLocation?.httpUrl });
  }

  addFileAsset(asset: FileAssetSource): FileAssetLocation {
    if (asset.fileName === undefined || asset.packaging === undefined) {
      throw new Error('StackSetTemplateSynthesizer: only file and directory assets are supported');
    }
    const extension =
      asset.packaging === FileAssetPackaging.ZIP_DIRECTORY ? '.zip' : path.extname(asset.fileName);
    const objectKey = `${asset.sourceHash}${extension}`;
    for (const region of this.props.regions) {
      this.assets.addFileAsset(
        this.boundStack,
        asset.sourceHash,
        { path: asset.fileName, packaging: asset.packaging },
        // cdk-assets fills in ${AWS::AccountId} with the deploying (hub) account; the CLI's own credentials write.
        { bucketName: memberAssetBucketName('${AWS::AccountId}', region), objectKey, region },
        asset.displayName === undefined ? undefined : { displayName: asset.displayName },
      );
    }
    const bucketName = memberAssetBucketName(this.props.hubAccountInTemplate(this.boundStack), Aws.REGION);
    return {
      bucketName,
      objectKey,
      httpUrl: Fn.join('', ['https://s3.', Aws.REGION, '.', Aws.URL_SUFFIX, '/', bucketName, '/', objectKey]),
      s3ObjectUrl: Fn.join('', ['s3://', bucketName, '/', objectKey]),
    };
  }

  addDockerImageAsset(): DockerImageAssetLocation {
    throw new Error(
      'StackSetTemplateSynthesizer: Docker image assets are not supported in a StackSet template',
    );
  }

  synthesize(session: ISynthesisSession): void {
    // The template only; no stack artifact: this stack is deployed by the StackSet, never by `cdk deploy`.
    const template = this.synthesizeTemplate(session);
    this.templateLocation = this.hostSynthesizer.addFileAsset(template);
    if (this.assets.hasAssets) {
      const manifest = this.assets.emitManifest(this.boundStack, session);
      this.hostSynthesizer.addAssetManifestDependency(manifest);
    }
  }
}
