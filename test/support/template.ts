import { readFileSync } from 'node:fs';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import type { Json, Resource, Statement, Template } from '@msk-patterns/serverless-plugin';
import { functionKeyOf } from '@msk-patterns/serverless-plugin';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export function readTemplate(path: string): Template {
  return JSON.parse(readFileSync(path, 'utf8')) as Template;
}

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/**
 * The value CloudFormation would give an expression of the packaged template, for the intrinsics it
 * uses in policies: `Fn::GetAtt [table, Arn]`, `Fn::GetAtt [log group, Arn]`, `Fn::Join`, `Ref` of a
 * pseudo parameter. Account and region are the dev stage's.
 */
export function resolve(template: Template, value: Json): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(template, item));
  if (value === null || typeof value !== 'object') return value;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) {
    const [logicalId, attribute] = getAtt;
    const resource = template.Resources[String(logicalId)];
    const properties = resource?.Properties ?? {};
    if (resource?.Type === 'AWS::DynamoDB::Table' && attribute === 'Arn')
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${properties.TableName}`;
    if (resource?.Type === 'AWS::Logs::LogGroup' && attribute === 'Arn')
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${properties.LogGroupName}:*`;
    throw new Error(`cannot resolve Fn::GetAtt ${JSON.stringify(getAtt)}`);
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join)) {
    const [separator, parts] = join;
    return (resolve(template, parts ?? []) as Json[]).join(String(separator));
  }
  if (value.Ref === 'AWS::AccountId') return ACCOUNT;
  if (value.Ref === 'AWS::Region') return REGION;
  if (value.Ref === 'AWS::Partition') return 'aws';
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(template, item)]));
}

/** The statements of a role's inline policies, with every ARN resolved. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role of the template`);
  const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Json } }>;
  return policies.flatMap((policy) => resolve(template, policy.PolicyDocument.Statement) as Statement[]);
}

/** The function keys of serverless.yml. */
export const FUNCTION_KEYS = Object.keys(loadServerlessConfig().functions);

/** serverless.yml function key → the role logical id its Lambda function uses. */
export function functionRoles(template: Template): Record<string, string> {
  const roles: Record<string, string> = {};
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    roles[functionKeyOf(FUNCTION_KEYS, logicalId) ?? logicalId] = role?.['Fn::GetAtt']?.[0] ?? '';
  }
  return roles;
}
