/** The service's Serverless Framework plugin (deploy/plugin.cjs). */
declare class KafkaPatternsDeployment {
  constructor(serverless: unknown, options: { stage?: string });
  readonly hooks: Record<
    | 'after:aws:package:finalize:mergeCustomProviderResources'
    | 'before:deploy:deploy'
    | 'before:deploy:function:initialize',
    () => unknown
  >;
}
export = KafkaPatternsDeployment;
