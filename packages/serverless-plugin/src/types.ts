/** The parts of a CloudFormation template the deployment builder reads and writes. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, Json>;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Json>;
}

/** IAM policy statement, as CloudFormation takes it. */
export type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: Json[];
  Condition?: Record<string, Record<string, Json>>;
};

/** A function of serverless.yml, as the framework resolves it. */
export interface ServiceFunction {
  handler: string;
  /** the logical id of its role, which the plugin generates */
  role?: string;
  /** `{}` when serverless.yml sets none */
  vpc?: unknown;
}
