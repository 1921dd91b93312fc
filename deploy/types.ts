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

/** What the builder needs of the resolved serverless.yml. */
export interface ServiceDescription {
  functions: Record<string, { handler: string; role?: string; vpc?: unknown }>;
  /** custom.kafkaMapping: properties merged into every Kafka event source mapping */
  kafkaMapping: Record<string, Json>;
  alarms: {
    offsetLag: number;
    offsetLagMinutes: number;
    errors: number;
    throttles: number;
    deadLettered: number;
    failed: number;
    failedMinutes: number;
  };
  httpApiThrottling: { rate: number; burst: number };
  parameters: { alarmTopicArn: string; topicReplicationFactor: number };
  /** false: the topics exist already (a cluster without the MSK topic APIs); the stack creates none */
  createTopics: boolean;
}
