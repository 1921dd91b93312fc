import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { stageConfig, stageEnvironment } from '@msk-patterns/emulator';
import { createServiceContext, kafkaConfig } from '@msk-patterns/pipeline';
import { mappingStates } from '../aws/mapping-states.js';
import { SERVICE_DIRECTORY } from '../service.js';
import { AuditTrail } from './audit.js';
import { type RunningConsole, startConsole } from './server.js';
import { declaredMappings, outboxReader } from './sources.js';

export interface StageConsoleOptions {
  stage: string;
  /** stage parameters as `name=value`, as `serverless deploy --param` takes them */
  params?: readonly string[] | undefined;
  /** whether redrives may be sent; a stage's console is read-only without it */
  allowRedrive: boolean;
  port?: number | undefined;
}

/**
 * The AWS principal the operator's credentials act as (STS `GetCallerIdentity`, which needs no
 * permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html) — the
 * "who" of every redrive this console records.
 *
 * @param region - the stage's region
 */
export async function awsPrincipal(region: string | undefined): Promise<string> {
  const sts = new STSClient({ ...(region ? { region } : {}), credentials: defaultProvider() });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('STS answered GetCallerIdentity without an ARN');
    return Arn;
  } finally {
    sts.destroy();
  }
}

/**
 * The console against a deployed stage, with the operator's own AWS credentials: MSK IAM over TLS to
 * the brokers MSK names for the stage's cluster, the stage's tables, its mappings' consumer groups.
 * Read-only unless `allowRedrive`; the audit trail names the AWS principal and is kept per stage
 * under `.local/`.
 *
 * @param options - the stage, its parameters, whether redrive is allowed
 */
export async function startStageConsole(options: StageConsoleOptions): Promise<RunningConsole> {
  const environment = stageEnvironment(options.stage, options.params);
  const config = stageConfig(options.stage, options.params);
  const region = environment.AWS_REGION;
  // Fails closed: kafkaConfig refuses a stage whose cluster it cannot name.
  const credentials = defaultProvider();
  const kafka = kafkaConfig(environment, { credentials, clientId: 'operator-console' });
  const service = createServiceContext({ environment: { ...process.env, ...environment } });
  const operator = await awsPrincipal(region);
  const declared = declaredMappings(config);
  // Lambda's view of each mapping, asked at most every 30 s (pages ask every 3 s).
  let states: { at: number; value: Promise<Map<string, string>> } | undefined;
  const mappings = async () => {
    if (!region) return declared;
    if (!states || Date.now() - states.at > 30_000)
      states = {
        at: Date.now(),
        value: mappingStates(
          declared.map((mapping) => mapping.functionKey),
          { service: config.service, stage: options.stage, region, credentials },
        ).catch(() => new Map<string, string>()),
      };
    const known = await states.value;
    return declared.map((mapping) => ({ ...mapping, state: known.get(mapping.functionKey) }));
  };
  return startConsole({
    kafka,
    audit: new AuditTrail(join(SERVICE_DIRECTORY, '.local', `console-audit-${options.stage}.jsonl`)),
    operator,
    allowRedrive: options.allowRedrive,
    service,
    mappings,
    outboxOf: await outboxReader(service, config),
    port: options.port,
  });
}
