/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are Serverless Framework variables */

import {
  declaredTables,
  InfrastructureError,
  loadServerlessConfig,
  resolveVariables,
  toCreateTableInput,
} from '@msk-patterns/emulator';
import { describe, expect, it } from 'vitest';

describe('resolveVariables', () => {
  it('resolves self, sls:stage, opt, param and env references, with defaults', () => {
    const document = {
      service: 'svc',
      params: { default: { arn: 'default-arn' }, prod: { arn: 'prod-arn' } },
      custom: { table: '${self:service}-${sls:stage}-t' },
      a: '${self:custom.table}',
      b: '${param:arn}',
      c: "${opt:region, 'eu-west-1'}",
      d: '${env:HOME_DIR}',
      e: '${env:UNSET, param:arn}',
    };
    expect(resolveVariables(document, { stage: 'prod', env: { HOME_DIR: '/h' } })).toMatchObject({
      a: 'svc-prod-t',
      b: 'prod-arn',
      c: 'eu-west-1',
      d: '/h',
      e: 'prod-arn',
    });
  });

  it('keeps a non-string value when the whole string is one reference', () => {
    expect(resolveVariables({ x: { n: 1 }, y: '${self:x}' })).toMatchObject({ y: { n: 1 } });
  });

  it('fails on an unknown variable source instead of resolving it to nothing', () => {
    expect(() => resolveVariables({ a: '${ssm:/secret}' })).toThrow(InfrastructureError);
    expect(() => resolveVariables({ a: '${self:missing}' })).toThrow(
      /variable \$\{self:missing\} has no value/,
    );
  });
});

describe('tables from serverless.yml', () => {
  it('turns every AWS::DynamoDB::Table resource into a CreateTable request', () => {
    const tables = declaredTables(loadServerlessConfig({ stage: 'example' }));
    const audit = tables.get('AuditTable');
    expect(audit && toCreateTableInput(audit)).toMatchObject({
      TableName: 'kafka-patterns-example-audit',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
    });
  });
});
